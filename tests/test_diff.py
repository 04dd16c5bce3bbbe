"""Diffs between builds, as pure functions and through `evidence diff`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.cli import cli
from evidence.diff import as_markdown, as_text, diff

OLD = {"sources": {"a-2020": {"id": "a-2020", "label": "A 2020"}},
       "findings": {"a-2020-f1": {"id": "a-2020-f1", "certainty": "moderate", "statement": "X probably helps."},
                    "a-2020-f2": {"id": "a-2020-f2", "certainty": "low", "statement": "Gone."}},
       "economic_evaluations": {}}
NEW = {"sources": {"a-2020": {"id": "a-2020", "label": "A 2020"}},
       "findings": {"a-2020-f1": {"id": "a-2020-f1", "certainty": "low", "statement": "X probably helps."},
                    "a-2020-f3": {"id": "a-2020-f3", "certainty": None, "statement": "New one."}},
       "economic_evaluations": {}}


def test_diff_field_by_field():
    changes = diff(OLD, NEW)
    assert [(c.table, c.record_id, c.change, c.field, c.old, c.new) for c in changes] == [
        ("findings", "a-2020-f3", "added", None, None, None),
        ("findings", "a-2020-f2", "removed", None, None, None),
        ("findings", "a-2020-f1", "changed", "certainty", "moderate", "low"),
    ]


def test_text_and_markdown():
    text = as_text(diff(OLD, NEW))
    assert "Findings: 1 added, 1 removed, 1 changed" in text
    assert "  ~ a-2020-f1 certainty: moderate → low" in text and "  + a-2020-f3: New one." in text
    md = as_markdown(diff(OLD, NEW))
    assert "- `a-2020-f1` **certainty**: “moderate” → “low”" in md and "- removed: `a-2020-f2` Gone." in md
    assert as_text([]) == "No changes.\n"


def test_diff_command_exits_0_with_or_without_changes(project):
    old, new = project.root / "old.db", project.root / "new.db"
    builder.build(Path("data"), old)
    builder.build(Path("data"), new)
    same = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert same.exit_code == 0 and same.stdout == "No changes.\n"
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: panel")
    builder.build(Path("data"), new)
    changed = CliRunner().invoke(cli, ["diff", str(old), str(new), "--format", "md"])
    assert changed.exit_code == 0 and "`smith-2020-f1` **certainty**: “low” → “moderate”" in changed.stdout


def test_diff_of_a_missing_database_is_a_clear_error(project):
    result = CliRunner().invoke(cli, ["diff", "nope.db", "nope2.db"])
    assert result.exit_code == 1 and "nope.db: no such database" in result.output


def test_added_from_rows_equals_the_diff_of_a_first_build():
    from evidence.diff import added

    rows = {table: list(records.values()) for table, records in NEW.items()}
    assert added(rows) == diff({}, NEW)
