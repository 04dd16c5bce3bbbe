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


def test_the_source_documents_are_in_place_before_anything_validates():
    """Validation under CI needs the documents every quote is checked against (evidence/provenance.py):
    the workflow checks them out from the repository SOURCE_DOCUMENTS_REPO names and puts them where
    validation looks (`make documents`) before it validates, builds or tests; without them it stops."""
    steps = workflow()["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    checkout = next(i for i, step in enumerate(steps)
                    if step.get("with", {}).get("repository") == "${{ vars.SOURCE_DOCUMENTS_REPO }}")
    placed = next(i for i, run in enumerate(runs) if run.startswith("make documents"))
    validated = next(i for i, run in enumerate(runs) if "evidence validate" in run)
    assert checkout < placed < validated
    assert steps[checkout]["with"]["path"] in runs[placed].split("DOCUMENTS=")[1]
    assert "if" not in steps[placed]  # runs, and fails, when the variable is not set


def test_make_documents_refuses_a_folder_without_the_documents(tmp_path):
    result = subprocess.run(["make", "-s", "-C", str(ROOT), "documents", f"DOCUMENTS={tmp_path}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "has no seeds/ and published-facts.md" in result.stdout
