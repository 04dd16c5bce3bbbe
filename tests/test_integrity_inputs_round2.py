"""Inputs no longer accepted without a word (issue 22, items 11 and 14): a forgotten BibTeX year fails
--strict unless the entry's note says why; a CRLF bibliography is the same bibliography; a question resting
on a superseded source's finding is a warning."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.cli import cli
from tests.conftest import line_of
from tests.test_guideline import QUESTION



def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_forgotten_year_fails_strict_and_a_justified_one_does_not(project):
    bib = project.data / "references.bib"
    bib.write_text(bib.read_text().replace("  year = {2020},\n", ""))
    result = run("validate", "--strict")
    line = line_of(bib.read_text(), "@article{smith2020")
    assert result.exit_code == 1
    assert f"data/references.bib:{line}: smith2020: warning: the entry has no year; it is listed without one\n" in result.stderr
    bib.write_text(bib.read_text().replace("  pmid = {12345678},\n", "  pmid = {12345678},\n  note = {Undated},\n"))
    result = run("validate", "--strict")
    assert result.exit_code == 0 and "[justified: Undated]" in result.stderr


def test_a_crlf_bibliography_changes_nothing(project):
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    bib = project.data / "references.bib"
    bib.write_bytes(bib.read_bytes().replace(b"\n", b"\r\n"))
    for force in (False, True):
        assert builder.build(Path("data"), db, force=force).changes == []


def test_a_question_resting_on_a_superseded_source_is_a_warning(project):
    project.write("guideline.yaml", QUESTION)
    assert run("validate", "--strict").exit_code == 0
    project.edit("status: included", "status: superseded")
    result = run("validate", "--strict")
    assert result.exit_code == 1 and ("data/guideline.yaml:7: q1.findings: warning: 'smith-2020-f1' is a finding of a "
                                      "superseded source; rest the question on the review that replaces it") in result.stderr
