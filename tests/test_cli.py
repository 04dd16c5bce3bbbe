"""The `evidence` command line through click's CliRunner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import leftovers

COMMANDS = sorted(cli.commands)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_documents_itself(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
    assert cli.commands[command].help, f"{command} has no help text"


def test_validate_ok(project):
    result = run("validate")
    assert result.exit_code == 0 and "OK: 0 error(s), 0 warning(s)" in result.output


def test_validate_errors_exit_1_without_traceback(project):
    project.edit("certainty: low", "certainty: lowish")
    result = run("validate")
    assert result.exit_code == 1
    assert "smith-2020-f1.certainty: 'lowish' is not a known certainty (did you mean 'low'?)" in result.stderr
    assert "Traceback" not in result.output


def test_warnings_exit_0_unless_strict(project):
    project.write("references.bib", (project.data / "references.bib").read_text() + "\n@misc{spare, title = {x}}\n")
    assert run("validate").exit_code == 0
    strict = run("validate", "--strict")
    assert strict.exit_code == 1 and "entry is not cited by any source" in strict.stderr


def test_build_writes_the_database(project):
    result = run("build", "--db", "out.db")
    assert result.exit_code == 0, result.output
    assert (project.root / "out.db").exists() and "Built out.db" in result.output


def test_failed_build_says_nothing_was_written(project):
    run("build")
    before = (project.root / "evidence.db").read_bytes()
    project.edit("design: rct", "design: [rct]")
    result = run("build")
    assert result.exit_code == 1 and "nothing was written" in result.stderr
    assert (project.root / "evidence.db").read_bytes() == before and leftovers(project.root) == []


def test_missing_data_is_a_message_not_a_traceback(project):
    result = run("validate", "--data", "missing")
    assert result.exit_code == 1 and "missing: no such file or directory" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_database_folder_missing_is_a_message(project):
    result = run("build", "--db", "no/such/dir/evidence.db")
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_metadata_command_rewrites_descriptions(project):
    (project.root / "metadata.yml").write_text("title: Mine\n", encoding="utf-8")
    assert run("metadata").exit_code == 0
    text = (project.root / "metadata.yml").read_text(encoding="utf-8")
    assert "title: Mine" in text and "Finding id: the source id and the local id" in text


def test_serve_is_stale_logic(project):
    from evidence.cli import is_stale
    from pathlib import Path

    db = project.root / "evidence.db"
    assert is_stale(db, Path("data"), None)
    run("build")
    assert not is_stale(db, Path("data"), None)
    import os
    os.utime(project.data / "studies.yaml", (db.stat().st_mtime + 10, db.stat().st_mtime + 10))
    assert is_stale(db, Path("data"), None)
