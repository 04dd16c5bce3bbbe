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


# --- diff.between (SQLite) is diff.diff (Python), whatever the two builds hold -------------------------

import sqlite3  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from evidence import diff as diffs  # noqa: E402
from evidence.schema import DERIVED_COLUMNS  # noqa: E402
from tests.profiles import examples  # noqa: E402

DERIVED = sorted(DERIVED_COLUMNS["findings"])[:1]  # a column the comparison skips
COLUMNS = ["label", "statement", "certainty", "note", *DERIVED]
IDS = st.text(alphabet="ab-1éZ", min_size=1, max_size=3)
VALUES = st.none() | st.integers(-3, 3) | st.sampled_from([0.5, 1.0, -0.0]) | st.text(alphabet="xy1 ", max_size=2)


@st.composite
def builds(draw):
    """One build: for each of some of the compared tables, its columns (a subset: builds of different
    versions have different columns) and rows whose values are often NULL."""
    build = {}
    for table in draw(st.lists(st.sampled_from(diffs.TABLES), unique=True, max_size=3)):
        columns = draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=4))
        ids = draw(st.lists(IDS, unique=True, max_size=5))
        build[table] = (columns, [{"id": i, **{c: draw(VALUES) for c in columns}} for i in ids])
    return build


def _write(path: Path, build: dict) -> None:
    conn = sqlite3.connect(path)
    for table, (columns, rows) in build.items():
        conn.execute(f"create table {table} (id text primary key{''.join(f', {c}' for c in columns)})")
        conn.executemany(f"insert into {table} values ({', '.join('?' * (len(columns) + 1))})",
                         [tuple(row.values()) for row in rows])
    conn.commit()
    conn.close()


def _alike(old: dict, new: dict) -> dict:
    """``new`` with some rows and columns copied from ``old``, so that unchanged records and fields occur."""
    for table, (columns, rows) in new.items():
        if table in old:
            before = {row["id"]: row for row in old[table][1]}
            for row in rows:
                for column in columns:
                    if row["id"] in before and column in before[row["id"]] and len(row["id"]) % 2:
                        row[column] = before[row["id"]][column]
    return new


@settings(max_examples=examples(300), deadline=None)
@given(builds(), builds(), st.booleans())
def test_between_equals_diff_including_changes_to_and_from_null(old, new, copy):
    """The build's SQL comparison (``between``, on an attached database) gives exactly the changes of
    the Python one over the two snapshots: added, removed, and every changed field, to or from NULL."""
    import tempfile

    new = _alike(old, new) if copy else new
    with tempfile.TemporaryDirectory() as root:
        old_db, new_db = Path(root) / "old.db", Path(root) / "new.db"
        _write(old_db, old)
        _write(new_db, new)
        expected = diff(diffs.read(old_db), diffs.read(new_db))
        conn = sqlite3.connect(new_db)
        conn.execute("attach database ? as old", [str(old_db)])
        assert diffs.between(conn, "old") == expected
        conn.close()


def test_between_sees_a_field_that_becomes_or_stops_being_null(tmp_path):
    """The planted fault of the issue (``!=`` for ``is not``, which is NULL, not true, against NULL)."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    _write(old, {"findings": (["certainty", "note"], [{"id": "f1", "certainty": None, "note": "x"}])})
    _write(new, {"findings": (["certainty", "note"], [{"id": "f1", "certainty": "low", "note": None}])})
    conn = sqlite3.connect(new)
    conn.execute("attach database ? as old", [str(old)])
    assert [(c.field, c.old, c.new) for c in diffs.between(conn, "old")] == [("certainty", None, "low"), ("note", "x", None)]
