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
IDS = st.sampled_from(["a", "a-1", "b", "é", "Z", "a-10"])  # few: the two builds share records
VALUES = st.none() | st.integers(-3, 3) | st.sampled_from([0.5, 1.0, -0.0]) | st.text(alphabet="xy1 ", max_size=2)


@st.composite
def builds(draw):
    """One build: for each of some of the compared tables, its columns (a subset: builds of different
    versions have different columns) and rows whose values are often NULL."""
    build = {}
    for table in draw(st.lists(st.sampled_from(diffs.TABLES), unique=True, max_size=4)):
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


@st.composite
def edited(draw, old: dict):
    """``old`` edited as curators edit: rows kept, dropped or added, values changed (to and from NULL),
    a column gained or lost, a table gone."""
    new = {}
    for table, (columns, rows) in old.items():
        if draw(st.integers(0, 9)) == 0:
            continue
        kept = draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=4)) if draw(st.booleans()) else columns
        new_rows = []
        for row in rows:
            if draw(st.integers(0, 4)):
                new_rows.append({"id": row["id"], **{c: draw(VALUES) if c not in row or draw(st.booleans()) else row[c]
                                                     for c in kept}})
        taken = {row["id"] for row in new_rows}
        new_rows += [{"id": i, **{c: draw(VALUES) for c in kept}} for i in draw(st.lists(IDS, unique=True, max_size=2))
                     if i not in taken]
        new[table] = (kept, new_rows)
    return new


@settings(max_examples=examples(300), deadline=None)
@given(builds(), st.data())
def test_between_equals_diff_including_changes_to_and_from_null(old, data):
    """The build's SQL comparison (``between``, on an attached database) gives exactly the changes of
    the Python one over the two snapshots: added, removed, and every changed field, to or from NULL."""
    import tempfile

    new = data.draw(st.one_of(builds(), edited(old)), label="new")
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
    """The planted fault of the issue (``!=`` for ``is not``, which is NULL, not true, against NULL); a
    derived column (certainty_rank, from the certainty) is not a change of its own."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    _write(old, {"findings": (["certainty", "note", "certainty_rank"], [{"id": "f1", "certainty": None, "note": "x",
                                                                         "certainty_rank": None}])})
    _write(new, {"findings": (["certainty", "note", "certainty_rank"], [{"id": "f1", "certainty": "low", "note": None,
                                                                         "certainty_rank": 2}])})
    conn = sqlite3.connect(new)
    conn.execute("attach database ? as old", [str(old)])
    assert [(c.record_id, c.field, c.old, c.new) for c in diffs.between(conn, "old")] == [
        ("f1", "certainty", None, "low"), ("f1", "note", "x", None)]


# --- the changelog as text and Markdown, and the changes table -----------------------------------------

TWO_TABLES = [diffs.Change("sources", "b-2021", "added", summary="B 2021"),
              diffs.Change("sources", "c-2019", "removed", summary="C " + "x" * 90),
              diffs.Change("findings", "a-2020-f1", "changed", "note", None, "y" * 50),
              diffs.Change("findings", "a-2020-f1", "changed", "quote", "w" * 50, None)]


def test_text_lists_each_change_under_its_table_with_long_values_cut():
    assert as_text(TWO_TABLES) == (
        "Sources: 1 added, 1 removed, 0 changed\n"
        "  + b-2021: B 2021\n"
        f"  - c-2019: C {'x' * 77}…\n"  # 80 characters: 79 and the ellipsis
        "Findings: 0 added, 0 removed, 1 changed\n"
        f"  ~ a-2020-f1 note: ∅ → {'y' * 39}…\n"  # old and new values: 40 characters each
        f"  ~ a-2020-f1 quote: {'w' * 39}… → ∅\n"
        "Economic evaluations: 0 added, 0 removed, 0 changed\n"
        "Guideline modules: 0 added, 0 removed, 0 changed\n"
        "Recommendations: 0 added, 0 removed, 0 changed\n"
        "Considerations: 0 added, 0 removed, 0 changed\n")


def test_markdown_is_headed_per_table_and_escapes_html_and_pipes():
    changes = [*TWO_TABLES[:1], diffs.Change("findings", "a-2020-f1", "changed", "quote", 'a "b" <i>', "c | d " + "z" * 130)]
    assert as_markdown(changes).split("\n")[:12] == [
        "# Changes", "",
        "## Sources", "", "1 added, 0 removed, 0 changed.", "", "- added: `b-2021` B 2021", "",
        "## Findings", "", "0 added, 0 removed, 1 changed.", "",
    ]
    assert as_markdown(changes).split("\n")[12] == (
        f'- `a-2020-f1` **quote**: “a "b" &lt;i&gt;” → “c \\| d {"z" * 113}…”')  # 120 characters, then escaped
    assert as_markdown([]) == "# Changes\n\nNo changes.\n" and as_markdown([], "Release 2").startswith("# Release 2\n")
    assert "a" * 120 + "\n" in as_markdown([diffs.Change("sources", "x", "added", summary="a" * 120)])  # not cut


def test_rows_of_the_changes_table_are_numbered_from_1_in_its_columns():
    from evidence.schema import ChangeRecord

    rows = list(diffs.rows(TWO_TABLES))
    assert [r["id"] for r in rows] == [1, 2, 3, 4]
    assert set(rows[0]) == set(ChangeRecord.__table__.columns.keys())
    assert rows[2] == {"id": 3, "table_name": "findings", "record_id": "a-2020-f1", "change": "changed",
                       "field": "note", "old": None, "new": "y" * 50}
    assert diffs.added({"findings": [{"id": "f"}]}) == [diffs.Change("findings", "f", "added", summary="")]
