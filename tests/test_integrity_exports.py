"""Markdown passes raw HTML through, so text from the data is HTML-escaped in every Markdown output:
the Summary-of-Findings .md and the changelog .md (`evidence build --changelog x.md`, `evidence diff
--format md`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence import diff
from evidence.cli import cli

SCRIPT = "<script>alert(1)</script>"


def test_the_changelog_escapes_html():
    changes = [diff.Change("findings", "x-f1", "changed", "statement", "old", f"new {SCRIPT} | &"),
               diff.Change("sources", "x", "added", summary=SCRIPT)]
    text = diff.as_markdown(changes)
    assert "<script>" not in text
    assert "“new &lt;script&gt;alert(1)&lt;/script&gt; \\| &amp;”" in text and "added: `x` &lt;script&gt;" in text


def sof_markdown(project, **edits: str) -> str:
    for old, new in edits.items():
        project.edit(f"{old}:", new)  # the field, its value now starting with the edit
    builder.build(Path("data"), project.root / "evidence.db")
    result = CliRunner().invoke(cli, ["export", "sof", "--format", "md"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_sof_markdown_cells_escape_html(project):
    text = sof_markdown(project, population=f"population: adults {SCRIPT}\n      timepoint: 6 months {SCRIPT}")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_sof_markdown_heading_escapes_html(project):
    text = sof_markdown(project, comparator=f"comparator: usual care {SCRIPT}")
    assert "<script>" not in text


def test_a_build_changelog_in_markdown_escapes_html(project):
    builder.build(Path("data"), project.root / "evidence.db")
    project.edit("population: adults with cancer", f"population: adults {SCRIPT}")
    builder.build(Path("data"), project.root / "evidence.db", changelog=project.root / "changes.md")
    text = (project.root / "changes.md").read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
