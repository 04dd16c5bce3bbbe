"""The GitHub workflow parses, and every command it runs exists."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import yaml
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def commands() -> list[list[str]]:
    steps = workflow()["jobs"]["build"]["steps"]
    lines = [line.strip() for step in steps if "run" in step for line in step["run"].splitlines()]
    return [shlex.split(line) for line in lines if line and not line.startswith(("echo", "#"))]


def test_triggers_on_push_and_schedule():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert "push" in triggers and triggers["schedule"][0]["cron"]


def test_every_evidence_and_make_command_exists():
    makefile = (ROOT / "Makefile").read_text()
    seen = set()
    for command in commands():
        if command[0] == "make":
            assert re.search(rf"^{command[1]}:", makefile, re.M), command
        else:
            assert command[0] == ".venv/bin/evidence", command
            sub = command[1]
            assert sub in cli.commands, command
            result = CliRunner().invoke(cli, [*command[1:], "--help"])
            assert result.exit_code == 0, (command, result.output)
        seen.add(command[0] if command[0] == "make" else command[1])
    assert {"validate", "build", "publish", "make"} <= seen


def test_publish_is_skipped_without_credentials():
    steps = {s.get("name"): s for s in workflow()["jobs"]["build"]["steps"]}
    assert "env.HAS_GCP_CREDENTIALS == 'true'" in steps["Publish"]["if"]
    # the job sees only whether the secret exists, never the secret itself
    assert workflow()["jobs"]["build"]["env"]["HAS_GCP_CREDENTIALS"] == "${{ secrets.GCP_CREDENTIALS != '' }}"


def test_publish_runs_an_existing_datasette_command(real_db):
    result = CliRunner().invoke(cli, ["publish", "cloudrun", "--service", "s", "--db", str(real_db), "--dry-run"])
    assert result.exit_code == 0, result.output
    args = shlex.split(result.stdout)
    assert args[:3] == ["datasette", "publish", "cloudrun"] and "--extra-options" in args
    help_text = subprocess.run([sys.executable, "-m", "datasette", "publish", "cloudrun", "--help"],
                               capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0
    options = [a for i, a in enumerate(args) if a.startswith("--") and args[i - 1] != "--extra-options"]
    assert options and all(option in help_text.stdout for option in options), options
