"""Stage 5 of the build, write: a fresh database file (the plan "everything"), or the plan applied to a
copy of the previous database; either is written beside the database and renamed over it only when
complete (``files.Staged``), the changelog (and a release's citation files) with it.

A fresh file: the tables from the SQLModel schema, the rows with one ``executemany`` per table (the ORM
path measured ~17x slower), then the indexes; the changes since the database it replaces (compared
inside SQLite; a release compares with the previous release); the AFTER_INSERT scripts (full-text
indexes, views, derived counts, planner statistics); the foreign-key check.

Applied to a copy, in one transaction: the rows of the sources the plan removes go, the new ones come
in; the full-text index entries of those sources are replaced; the labels that tell sources of one
author and year apart (Lambeek 2010a/b) follow; the checks a full build makes across records run
(NotIncremental when one fails: the build is then a full one); the ``changes`` and ``build_info`` rows
are replaced, the ``input_blocks`` rows of the blocks that changed; the serving counts are brought up to
date by difference (``counts``).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Callable, Optional

from .. import diff, releases
from ..bibtex import parse_bib
from ..columns import COLUMNS, LINKED, PRIMARY_KEYS
from ..files import BackgroundCopy, Staged
from ..problems import EvidenceError
from ..read import records, sql
from ..search_indexes import INDEXES
from ..storage import counted_tables, insert_rows
from ..validate import Rows, add_labels, base_label
from ..version import __version__
from . import counts
from .plan import NotIncremental, Plan

# A fresh file's tables and indexes come from the SQLModel schema (SQLAlchemy's DDL), loaded by _write_tables;
# a plan applied to a copy writes rows only, by the columns of evidence/columns.py, without loading either.
Log = Callable[[str], None]
AFTER_INSERT = ("fts", "views", "serving_counts", "finish")  # evidence/sql/<name>.sql, run in this order once the rows are in
# applied to a copy, none runs again: the full-text entries of the sources that changed are replaced, the
# views read the tables, the serving counts are kept by difference (pipeline/counts.py), and the planner's
# statistics of the previous build (finish's ANALYZE) still describe tables that differ by a few records
SOURCE_TABLES = ("sources", "findings", "economic_evaluations", "study_results")  # rows a data file makes
SEARCHED = tuple(i.table for i in INDEXES if i.source_key)  # tables with a <table>_fts index, re-indexed by source


def write(rows: Rows, chosen: Plan, db: Path, content_hash: str, log: Log = lambda _: None,
          changelog: Optional[Path] = None, release: Optional[dict] = None,
          copy: Optional[BackgroundCopy] = None) -> list[diff.Change]:
    """Write into a temporary file beside ``db`` (fresh, or a copy with the plan applied: ``copy`` when the
    build started one), record the changes, write the changelog to its temporary file, then rename both:
    the changelog first, the database last. NotIncremental when the plan cannot be applied."""
    db = db.resolve()
    if not db.parent.is_dir():
        raise EvidenceError(f"{db.parent}: the folder for the database does not exist")
    changes: list[diff.Change] = []

    def record_changes(conn: sqlite3.Connection) -> None:  # conn is in autocommit mode: one transaction here
        if release:  # a release compares with the previous release, not with the previous build
            conn.execute("BEGIN")
            changes.extend(releases.record_history(conn, release))
            conn.execute("COMMIT")
            return
        changes.extend(_changes(conn, db, rows, log))  # attaches the previous database: outside a transaction
        conn.execute("BEGIN")
        insert_rows(conn, "changes", diff.rows(changes))
        conn.execute("COMMIT")
        carry_history(conn, db)

    def fresh(tmp: Path) -> None:
        _write_tables(rows, tmp, content_hash, release, record_changes)

    def applied(tmp: Path) -> None:
        if copy is None:
            shutil.copyfile(db, tmp)
        with closing(sqlite3.connect(tmp, isolation_level=None)) as conn:
            # a temporary file, discarded if anything fails (nothing is rolled back) and synced before it
            # is renamed (files.Staged): no journal on disk and no syncs of its own, as a fresh file
            conn.execute("PRAGMA journal_mode = MEMORY")
            conn.execute("PRAGMA synchronous = OFF")
            changes.extend(apply(rows, chosen, conn, content_hash))

    with Staged() as staged:
        try:
            staged.write(db, fresh if chosen.full else applied, prepared=None if chosen.full else copy)
        except sqlite3.Error as e:
            if not chosen.full:
                raise NotIncremental(f"the previous database could not be updated ({e})") from None
            raise EvidenceError(f"{db}: could not write the database ({e}); it is unchanged") from None
        if changelog:
            write_changelog(staged, changelog, changes)
        for path, text_of in (release or {}).get("files", {}).items():  # a release's citation files, with it
            staged.write(path, lambda tmp, text_of=text_of: tmp.write_text(text_of(content_hash), encoding="utf-8"))
        staged.commit()
    return changes


def write_changelog(staged: Staged, changelog: Path, changes: list[diff.Change]) -> None:
    fmt = "md" if changelog.suffix.lower() in (".md", ".markdown") else "text"
    staged.write(changelog, lambda tmp: tmp.write_text(diff.FORMATTERS[fmt](changes), encoding="utf-8"))


# --- a fresh file -------------------------------------------------------------------------------------------


def carry_history(conn: sqlite3.Connection, db: Path) -> None:
    """A build keeps the release history of the database it replaces (the ``history`` table, which only
    `evidence release` writes): the releases stay on /changes, in the Atom feed and on record pages.
    A previous database whose history cannot be read stops the build rather than losing it."""
    if not db.exists() or not db.stat().st_size:
        return
    columns = ", ".join(column for column, _ in COLUMNS["history"])
    try:
        conn.execute("attach database ? as old", [db.as_uri() + "?mode=ro"])
    except sqlite3.Error:
        return  # not readable at all: _changes already said every record counts as added
    try:
        if conn.execute("select 1 from old.sqlite_master where name = 'history'").fetchone():
            conn.execute("BEGIN")
            conn.execute(f"insert into main.history ({columns}) select {columns} from old.history order by id")
            conn.execute("COMMIT")
    except sqlite3.Error as e:
        raise EvidenceError(f"{db}: could not carry its release history into the new build ({e}); nothing was "
                            "written: build to another --db, or release again") from None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("detach database old")


def _changes(conn: sqlite3.Connection, db: Path, rows: Rows, log: Log) -> list[diff.Change]:
    """What changed since the database being replaced, compared inside SQLite; for a first build (or a
    previous database that cannot be read) every record is added, said from the rows themselves."""
    if db.exists():
        try:
            conn.execute("attach database ? as old", [db.as_uri() + "?mode=ro"])
            try:
                return diff.between(conn, "old")
            finally:
                conn.execute("detach database old")
        except sqlite3.Error as e:
            log(f"Could not read the previous {db.name} ({e}); every record counts as added")
    return diff.added(rows)


def _write_tables(rows: Rows, path: Path, content_hash: str, release: Optional[dict] = None,
                  record_changes: Callable[[sqlite3.Connection], None] = lambda _: None) -> None:
    """The tables, their rows, then their indexes; the changes (``record_changes``, which compares with
    the previous database); then the AFTER_INSERT scripts (full-text indexes, views, the derived counts
    of the changes too, planner statistics); then the foreign-key check."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite

    from ..schema import TABLES

    tables = [model.__table__ for model in TABLES]
    counts = {name: len(rows.get(name, [])) for name in counted_tables()}
    rows["build_info"] = [{
        "id": 1,
        "built_at": now(),
        "content_hash": content_hash,
        "package_version": __version__,
        "row_counts": json.dumps(counts, sort_keys=True),
        "release": release and release["version"],
        "released_at": release and release["date"],
    }]
    dialect = sqlite.dialect()
    with closing(sqlite3.connect(path.as_uri(), uri=True, isolation_level=None)) as conn:
        # a temporary file, discarded if anything fails and synced before it is renamed (files.Staged):
        # no journal and no syncs of its own
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for table in tables:
            conn.execute(str(sa.schema.CreateTable(table).compile(dialect=dialect)))
        for table in tables:
            insert_rows(conn, table.name, rows.get(table.name, []))
        for table in tables:  # after the rows: one sort per index instead of one update per row
            for index in sorted(table.indexes, key=lambda i: i.name):
                conn.execute(str(sa.schema.CreateIndex(index).compile(dialect=dialect)))
        conn.execute("COMMIT")
        record_changes(conn)
        conn.executescript("".join(sql(name) for name in AFTER_INSERT))
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise EvidenceError(f"foreign key check failed: {broken[:5]}")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- applied to a copy ------------------------------------------------------------------------------------


def apply(rows: Rows, chosen: Plan, conn: sqlite3.Connection, content_hash: str) -> list:
    """Apply the plan's rows to ``conn`` (a copy of the previous database) in one transaction; returns the
    changes, as a full build's diff would give them. NotIncremental when a check across records fails."""
    removed = sorted(chosen.removed)
    conn.execute("pragma foreign_keys = off")  # checked at the end, across the whole database
    conn.execute("begin")
    labels = relabel(conn, removed, rows["sources"])
    affected = sorted(set(removed) | {r["id"] for r in rows["sources"]} | set(labels))
    before = restricted_snapshot(conn, affected)
    counts.before(conn, affected)
    search_index(conn, affected, "delete")
    for table, where in (("study_results", "finding_id in (select id from findings where source_id in {ids})"),
                         ("findings", "source_id in {ids}"), ("economic_evaluations", "source_id in {ids}"),
                         ("sources", "id in {ids}")):
        conn.execute(f"delete from {table} where " + where.format(ids="(select value from json_each(?))"),
                     [json.dumps(removed)])
    for table in SOURCE_TABLES:
        insert_rows(conn, table, rows.get(table, []))
    conn.executemany("update sources set label = ? where id = ?", [(label, i) for i, label in labels.items()])
    search_index(conn, affected, "insert")
    check_links(conn)
    changes = diff.diff(before, restricted_snapshot(conn, affected))
    conn.execute("delete from changes")
    insert_rows(conn, "changes", diff.rows(changes))
    replace_blocks(conn, rows["input_blocks"], chosen.stored)
    stamp(conn, content_hash)
    counts.after(conn)  # the serving counts, by difference, as a full build's serving_counts.sql counts them
    conn.execute("commit")
    return changes


def relabel(conn: sqlite3.Connection, removed: list[str], new_sources: list[dict]) -> dict[str, str]:
    """Labels of sources that keep their rows but change because a source of the same first author
    and year came or went; sets the labels of the new sources. Returns {source id: new label}."""
    gone = conn.execute("select id, bibtex, year from sources where id in (select value from json_each(?))",
                        [json.dumps(removed)]).fetchall()
    bases = {base_of(*row) for row in gone} | {row["label"] for row in new_sources}
    changed: dict[str, str] = {}
    for base in sorted(bases):
        stay = [{"id": i, "label": base, "old": label} for i, label, bibtex, year in conn.execute(
            "select id, label, bibtex, year from sources where (label = ? or (substr(label, 1, length(?)) = ? and "
            "length(label) = length(?) + 1)) and id not in (select value from json_each(?))",
            [base, base, base, base, json.dumps(removed)]) if base_of(i, bibtex, year) == base]
        group = stay + [row for row in new_sources if row["label"] == base]
        add_labels(group)
        changed.update((row["id"], row["label"]) for row in stay if row["label"] != row["old"])
    return changed


def base_of(source_id: str, bibtex: Optional[str], year: Optional[int]) -> str:
    """The label a source row had before sources of one label were told apart (see add_labels)."""
    entry = None
    if bibtex:
        parsed, _ = parse_bib(Path("references.bib"), bibtex)
        entry = next(iter(parsed.entries.values()), None)
    return base_label(source_id, entry, year)


def restricted_snapshot(conn: sqlite3.Connection, sources: list[str]) -> dict:
    """diff.snapshot of the records of these sources only: every other record is the same in both."""
    ids = json.dumps(sources)
    return {"sources": {r["id"]: r for r in records(conn, "select * from sources where id in (select value from json_each(?))", [ids])},
            **{table: {r["id"]: r for r in records(conn, f"select * from {table} where source_id in "
                                                         "(select value from json_each(?))", [ids])}
               for table in ("findings", "economic_evaluations")}}


def search_index(conn: sqlite3.Connection, sources: list[str], action: str) -> None:
    """Take the records of these sources out of the full-text indexes ("delete", with the values they
    were indexed with, before they change) or put them in ("insert", after)."""
    ids = json.dumps(sources)
    for table in SEARCHED:
        columns = [d[0] for d in conn.execute(f"select * from {table}_fts limit 0").description]
        key = "id" if table == "sources" else "source_id"
        values = ", ".join(columns)
        head = (f"insert into {table}_fts ({table}_fts, rowid, {values}) select 'delete', rid, {values}"
                if action == "delete" else f"insert into {table}_fts (rowid, {values}) select rid, {values}")
        conn.execute(f"{head} from search_{table} where rid in (select rowid from {table} where {key} in "
                     "(select value from json_each(?)))", [ids])


def check_links(conn: sqlite3.Connection) -> None:
    """What a full build checks across records: every link leads to a record that exists (foreign
    keys, the guideline's findings), and same_result_as to another record that is not itself a repeat."""
    # findings' one key (source_id) holds by construction: a source goes with its findings, and new
    # findings come with their source. Every other table is checked (each is small beside findings).
    for table in LINKED:
        if table != "findings" and conn.execute(f"pragma foreign_key_check({table})").fetchone():
            raise NotIncremental(f"a link in {table} leads to a record that is gone")
    for table in ("findings", "economic_evaluations"):
        broken = conn.execute(f"select 1 from {table} a left join {table} b on b.id = a.same_result_as where "
                              "a.same_result_as is not null and (b.id is null or b.id = a.id or b.same_result_as is not null) "
                              "limit 1").fetchone()
        if broken:
            raise NotIncremental(f"a same_result_as link in {table} does not hold")


def replace_blocks(conn: sqlite3.Connection, rows: list[dict], stored: dict[tuple[str, str], list[tuple]]) -> None:
    """The ``input_blocks`` rows of this build, written as a difference from the rows the plan read
    (``stored``: the previous database's, the one copied): the rows whose block is gone or changed go,
    the new and changed ones come in (their rowids are keyed: the table holds what a full build writes,
    in its order)."""
    columns = [column for column, _ in COLUMNS["input_blocks"]]
    key = [columns.index(column) for column in PRIMARY_KEYS["input_blocks"]]
    new = set(map(itemgetter(*columns), rows))
    old = {(kind, path, *block) for (kind, path), blocks in stored.items() for block in blocks}
    conn.executemany(f"delete from input_blocks where {' and '.join(f'{columns[i]} = ?' for i in key)}",
                     [tuple(row[i] for i in key) for row in old - new])
    insert_rows(conn, "input_blocks", [dict(zip(columns, row)) for row in new - old])


def stamp(conn: sqlite3.Connection, content_hash: str) -> None:
    """build_info as a full build writes it: time, content hash and the rows per table."""
    counts = {name: conn.execute(f"select count(*) from {name}").fetchone()[0] for name in counted_tables()}
    conn.execute("update build_info set built_at = ?, content_hash = ?, row_counts = ?",
                 [now(), content_hash, json.dumps(counts, sort_keys=True)])
