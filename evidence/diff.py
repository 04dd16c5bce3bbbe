"""What changed between two builds: sources, findings and economic evaluations, field by field.

``kumar-2017-f3 certainty: moderate → low``. Used by `evidence diff`, `evidence build --changelog`
and the `changes` table that every build records.
"""

from __future__ import annotations

import html
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from .read import connect, records, select, sql
from .columns import DERIVED_COLUMNS
from .titles import TABLE_TITLES, TABLES as DECLARED, tables

TABLES = tables("diffed")  # evidence/titles.py
TITLES = {table: TABLE_TITLES[table] for table in TABLES}
SUMMARY_COLUMN = {table.name: table.summary for table in DECLARED if table.name in TABLES}
Snapshot = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Change:
    table: str
    record_id: str
    change: str  # added, removed or changed
    field: Optional[str] = None
    old: Any = None
    new: Any = None
    summary: str = ""


def snapshot(conn: sqlite3.Connection) -> Snapshot:
    """Every row of the compared tables, keyed by id; a table the database lacks is empty."""
    present = {row[0] for row in conn.execute(sql("table_names"))}
    return {table: {row["id"]: row for row in records(conn, *select(table, {}))} if table in present else {}
            for table in TABLES}


def read(db: Path) -> Snapshot:
    with connect(db) as conn:
        return snapshot(conn)


def diff(old: Snapshot, new: Snapshot) -> list[Change]:
    changes: list[Change] = []
    for table in TABLES:
        before, after = old.get(table, {}), new.get(table, {})
        summary = SUMMARY_COLUMN[table]
        for record in sorted(after.keys() - before.keys()):
            changes.append(Change(table, record, "added", summary=str(after[record].get(summary) or "")))
        for record in sorted(before.keys() - after.keys()):
            changes.append(Change(table, record, "removed", summary=str(before[record].get(summary) or "")))
        for record in sorted(before.keys() & after.keys()):
            a, b = before[record], after[record]
            derived = DERIVED_COLUMNS.get(table, frozenset())
            for field in [c for c in b if c in a and a[c] != b[c] and c not in derived]:  # columns both builds have
                changes.append(Change(table, record, "changed", field, a[field], b[field]))
    return changes


def between(conn: sqlite3.Connection, old: str) -> list[Change]:
    """What ``diff(snapshot of old, snapshot of main)`` gives, computed by SQLite: ``old`` is an attached
    database with the previous build. Only the rows that differ reach Python, so neither build is read
    into memory whole. Per table, as ``diff`` orders them: added, removed, then changed."""
    changes: list[Change] = []
    for table in TABLES:
        new_columns, old_columns = _columns(conn, "main", table), _columns(conn, old, table)
        summary = SUMMARY_COLUMN[table]
        if not new_columns and not old_columns:
            continue
        for kind, present, missing, columns in (("added", "main", old, new_columns), ("removed", old, "main", old_columns)):
            if not columns:
                continue
            label = summary if summary in columns else "null"
            absent = f"where id not in (select id from {missing}.{table})" if (old_columns and new_columns) else ""
            for record, text in conn.execute(f"select id, {label} from {present}.{table} {absent} order by id"):
                changes.append(Change(table, record, kind, summary=str(text or "")))
        derived = DERIVED_COLUMNS.get(table, frozenset())
        compared = [c for c in new_columns if c in old_columns and c not in derived]
        if not compared or not old_columns:
            continue
        pairs = ", ".join(f"o.{c}, n.{c}" for c in compared)
        differs = " or ".join(f"o.{c} is not n.{c}" for c in compared)
        query = f"select n.id, {pairs} from main.{table} n join {old}.{table} o on o.id = n.id where {differs} order by n.id"
        for row in conn.execute(query):
            for i, column in enumerate(compared):
                a, b = row[1 + 2 * i], row[2 + 2 * i]
                if a != b:
                    changes.append(Change(table, row[0], "changed", column, a, b))
    return changes


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"pragma {schema}.table_info({table})")]


def added(rows: dict[str, list[dict]]) -> list[Change]:
    """The changes of a first build, from its rows: every record added (what ``diff({}, …)`` gives)."""
    return [Change(table, row["id"], "added", summary=str(row.get(SUMMARY_COLUMN[table]) or ""))
            for table in TABLES for row in sorted(rows.get(table, []), key=lambda r: r["id"])]


def _short(value: Any, width: int = 80) -> str:
    text = "∅" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def counts(changes: list[Change], table: str) -> str:
    kinds = [c.change for c in changes if c.table == table]
    records = {c.record_id for c in changes if c.table == table and c.change == "changed"}
    return f"{kinds.count('added')} added, {kinds.count('removed')} removed, {len(records)} changed"


def as_text(changes: list[Change]) -> str:
    if not changes:
        return "No changes.\n"
    lines = []
    for table in TABLES:
        lines.append(f"{TITLES[table]}: {counts(changes, table)}")
        for c in (c for c in changes if c.table == table):
            if c.change == "changed":
                lines.append(f"  ~ {c.record_id} {c.field}: {_short(c.old, 40)} → {_short(c.new, 40)}")
            else:
                lines.append(f"  {'+' if c.change == 'added' else '-'} {c.record_id}: {_short(c.summary)}")
    return "\n".join(lines) + "\n"


def as_markdown(changes: list[Change], title: str = "Changes") -> str:
    lines = [f"# {title}", ""]
    if not changes:
        return "\n".join([*lines, "No changes.", ""])
    for table in TABLES:
        lines += [f"## {TITLES[table]}", "", f"{counts(changes, table)}.", ""]
        for c in (c for c in changes if c.table == table):
            if c.change == "changed":
                lines.append(f"- `{c.record_id}` **{c.field}**: {_md(c.old)} → {_md(c.new)}")
            else:
                lines.append(f"- {c.change}: `{c.record_id}` {_md(c.summary, quote=False)}")
        lines.append("")
    return "\n".join(lines)


def _md(value: Any, quote: bool = True) -> str:
    """A value in Markdown: HTML escaped (Markdown passes raw HTML such as <script> through), | too."""
    text = html.escape(_short(value, 120), quote=False).replace("|", "\\|")
    return f"“{text}”" if quote else text


FORMATTERS = {"text": as_text, "md": as_markdown}


def rows(changes: list[Change]) -> Iterator[dict]:
    """Rows for the `changes` table of a build, one at a time (a first build adds every record)."""
    for i, c in enumerate(changes, 1):
        yield {"id": i, "table_name": c.table, "record_id": c.record_id, "change": c.change, "field": c.field,
               "old": None if c.old is None else str(c.old), "new": None if c.new is None else str(c.new)}
