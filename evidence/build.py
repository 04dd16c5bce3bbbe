"""Building evidence.db: validated rows into SQLite, atomically.

The database is written to a temporary file beside the target and renamed over it only when
complete, so a failed build never touches the existing database; a changelog is written the same
way and renamed before the database, so a build either writes both or neither. Tables come from the
SQLModel schema; rows go in with one ``executemany`` per table (the ORM path measured ~17x slower).

Before anything is read, the targets are checked: ``--db`` and ``--changelog`` may not be inputs
(anything in the data folder, the bibliography), and an existing ``--db`` must be a database this
tool built (the SQLite header and a ``build_info`` table), so a typo cannot overwrite curated data.
A build holds an exclusive lock (``fcntl.flock`` on ``.<db name>.lock`` beside the database): a
second build of the same database refuses at once rather than waiting. Holding the lock, it removes
the temporary files that killed builds left behind (``.<db name>.<random>.tmp`` and SQLite's
``-journal`` of it, older than the running build).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import gc
import json
import os
import shutil
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from . import __version__, diff, incremental
from . import provenance, releases
from .files import Staged, check_target, stale_temporaries
from .inputs import Inputs, folder, read_inputs
from .problems import EvidenceError, Report, ValidationFailed
from .read import sql
from .schema import TABLES, ChangeRecord, HistoryRecord, counted_tables, insert_rows
from .validate import Rows, validate

PACKAGE = Path(__file__).parent
FINGERPRINTED = {".py", ".yaml", ".sql"}
AFTER_INSERT = ("fts", "views", "serving_counts", "finish")  # evidence/sql/<name>.sql, run in this order once the rows are in
# those an incremental build runs again (each can run on a finished database); not finish's ANALYZE: the
# planner's statistics of the previous build still describe tables that differ by a few records
REFRESHED = ("serving_counts",)
Log = Callable[[str], None]


def code_fingerprint() -> bytes:
    """The package's code, scales and SQL (subpackages included): a change to any must rebuild."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in PACKAGE.rglob("*") if p.suffix in FINGERPRINTED and p.is_file()):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while records are read and validated.

    They hold no reference cycles, but every collection rescans all live objects, which made a
    100k-finding build grow faster than its input. Reference counting still frees memory as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def quick_hash(data: Path, bib: Optional[Path]) -> Optional[str]:
    """The build's content hash from the raw inputs alone, as ``check`` computes it after parsing."""
    try:
        raw = incremental.read_raw(data, bib)
    except incremental.NotIncremental:
        return None
    return content_hash_of(raw.content_hash, code_fingerprint())


def content_hash_of(inputs_hash: str, fingerprint: bytes) -> str:
    """The build's content hash: the inputs' hash and the code's fingerprint (build_info.content_hash)."""
    return hashlib.sha256(inputs_hash.encode() + fingerprint).hexdigest()


def check(data: Path, bib: Optional[Path] = None, log: Log = lambda _: None) -> tuple[Rows, Report, str]:
    """Load and validate; returns rows, problems and the content hash of the inputs."""
    rows, report, content_hash, _, _ = _check(data, bib, log, code_fingerprint())
    return rows, report, content_hash


def _check(data: Path, bib: Optional[Path], log: Log, fingerprint: bytes) -> tuple[Rows, Report, str, Inputs, dict[str, list]]:
    started = time.perf_counter()
    with gc_paused():
        inputs = read_inputs(data, bib, lazy=True)  # data files are parsed as validation reads them
        log(f"Read {len(inputs.yaml_files)} YAML file(s) in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        ids: dict[Path, list] = {}
        rows, report = validate(inputs, ids=ids)
    counts = ", ".join(f"{len(rows[t])} {t}" for t in ("sources", "findings", "economic_evaluations"))
    log(f"Parsed and validated {counts} in {time.perf_counter() - started:.1f} s: {report.summary()}")
    log(provenance.Documents.load(folder(data)).summary())  # each document was indexed once, by validate
    content_hash = content_hash_of(inputs.content_hash, fingerprint)
    root = folder(data)
    return rows, report, content_hash, inputs, {path.relative_to(root).as_posix(): i for path, i in ids.items()}


def block_rows(data: Path, bib: Optional[Path], inputs: Inputs, ids: dict[str, list], fingerprint: bytes,
               log: Log) -> list[dict]:
    """The input_blocks of a full build, from the files read again one at a time (when they differ from
    what was parsed, a file changed during the build: none are recorded, and the next build is full)."""
    entries = inputs.bibliography.entries if inputs.bibliography else {}
    dois = {key: (entry.text("doi") or "").lower() or None for key, entry in entries.items()}
    try:
        rows, content_hash = incremental.streamed_block_rows(data, bib, fingerprint.hex(), ids, dois)
    except incremental.NotIncremental:
        return []
    if content_hash != inputs.content_hash:
        log("An input changed while it was read: the next build reads everything again")
        return []
    return rows


@dataclass
class BuildResult:
    report: Report
    changes: Optional[list[diff.Change]] = None  # None when the database was already up to date
    content_hash: str = ""


def build(data: Path, db: Path, bib: Optional[Path] = None, strict: bool = False, log: Log = lambda _: None,
          force: bool = False, changelog: Optional[Path] = None, release: Optional[dict] = None) -> BuildResult:
    """Validate the inputs and write the database, recording what changed since the previous one.

    Raises ValidationFailed and leaves ``db`` untouched when the inputs have errors. Does nothing
    when ``db`` was built from the same inputs (content hash), unless ``force``. Raises EvidenceError,
    before reading anything, when a target is an input or not a database this tool wrote, and when
    another build holds the database's lock.
    """
    db, changelog = Path(db), Path(changelog) if changelog else None
    check_targets(data, bib, db, changelog)
    with build_lock(db):
        remove_stale_temporaries(db, changelog, log)
        fingerprint = code_fingerprint()
        if not force and not release and not strict and db.exists():
            result = build_incrementally(data, bib, db, fingerprint, log, changelog)
            if result:
                return result
        rows, report, content_hash, inputs, ids = _check(data, bib, log, fingerprint)
        if report.fails(strict):
            raise ValidationFailed(report)
        if not force and not release and stored_hash(db) == content_hash:
            log(f"{db} is up to date (content hash {content_hash[:12]}): nothing to do")
            return BuildResult(report, None, content_hash)
        started = time.perf_counter()
        for doc in inputs.yaml_files:  # every problem has its line: the texts are not needed any more
            doc.text = ""
        rows["input_blocks"] = block_rows(data, bib, inputs, ids, fingerprint, log)
        changes = write(rows, db, content_hash, log, changelog, release)
        log(f"Wrote {db} in {time.perf_counter() - started:.1f} s")
        if changelog:
            log(f"Wrote the changelog ({len(changes)} changes) to {changelog}")
    return BuildResult(report, changes, content_hash)


def build_incrementally(data: Path, bib: Optional[Path], db: Path, fingerprint: bytes, log: Log,
                        changelog: Optional[Path]) -> Optional[BuildResult]:
    """Nothing to do when the inputs hash as the database's; else apply what changed to a copy of the
    database (see evidence.incremental). None when a full build must run, the reason logged."""
    started = time.perf_counter()
    try:
        raw = incremental.read_raw(data, bib)
    except incremental.NotIncremental as e:
        log(f"Reading everything: {e}")
        return None
    content_hash = content_hash_of(raw.content_hash, fingerprint)
    if stored_hash(db) == content_hash:
        log(f"{db} is up to date (content hash {content_hash[:12]}): nothing to do")
        return BuildResult(Report(), None, content_hash)
    try:
        update = incremental.prepare(raw, db, fingerprint.hex())
        log(f"Re-read {len(update.rows['sources'])} source(s), {len(update.plan.removed)} replaced or removed, "
            f"in {time.perf_counter() - started:.1f} s: {update.report.summary()}")
        changes: list[diff.Change] = []

        def write_database(tmp: Path) -> None:
            shutil.copyfile(db, tmp)
            with closing(sqlite3.connect(tmp, isolation_level=None)) as conn:
                changes.extend(incremental.apply(update, conn, content_hash, REFRESHED))

        with Staged() as staged:
            staged.write(db, write_database)
            if changelog:
                write_changelog(staged, changelog, changes)
            staged.commit()
    except incremental.NotIncremental as e:
        log(f"Reading everything: {e}")
        return None
    except sqlite3.Error as e:
        log(f"Reading everything: the previous database could not be updated ({e})")
        return None
    log(f"Wrote {db} incrementally in {time.perf_counter() - started:.1f} s")
    if changelog:
        log(f"Wrote the changelog ({len(changes)} changes) to {changelog}")
    return BuildResult(update.report, changes, content_hash)


def write_changelog(staged: Staged, changelog: Path, changes: list[diff.Change]) -> None:
    fmt = "md" if changelog.suffix.lower() in (".md", ".markdown") else "text"
    staged.write(changelog, lambda tmp: tmp.write_text(diff.FORMATTERS[fmt](changes), encoding="utf-8"))


def check_targets(data: Path, bib: Optional[Path], db: Path, changelog: Optional[Path],
                  inputs: tuple[Path, ...] = ()) -> None:
    """Refuse, before anything is read or written, targets a build must never overwrite (files.check_target)."""
    check_target(db, "--db", "db", "database", data=data, bib=bib, inputs=inputs)
    if changelog is not None:
        if changelog.resolve() == db.resolve():
            raise EvidenceError(f"{changelog}: the changelog cannot be the database")
        check_target(changelog, "--changelog", "changelog", data=data, bib=bib, inputs=inputs)


@contextmanager
def build_lock(db: Path) -> Iterator[None]:
    """Hold an exclusive lock on the database's lock file for the whole build (released on exit,
    and by the operating system when the process dies). A second build refuses at once."""
    lock = db.parent / f".{db.name}.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise EvidenceError(f"{lock}: cannot create the build lock ({e.strerror or e})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise EvidenceError(f"{db}: another build is writing this database (it holds {lock}); nothing was "
                                "done: build again when it has finished") from None
        yield
    finally:
        os.close(fd)


def remove_stale_temporaries(db: Path, changelog: Optional[Path], log: Log) -> None:
    """Temporaries of killed builds: ours by name, older than this build, and (holding the lock) no
    live build's."""
    started = time.time()
    for target in (db, changelog):
        for path in stale_temporaries(target, started) if target else []:
            try:
                path.unlink()
                log(f"Removed {path.name}, left by an interrupted build")
            except OSError:
                pass


def write(rows: Rows, db: Path, content_hash: str, log: Log = lambda _: None,
          changelog: Optional[Path] = None, release: Optional[dict] = None) -> list[diff.Change]:
    """Build into a temporary file beside ``db``, record the changes, write the changelog to its
    temporary file, then rename both: the changelog first, the database last."""
    db = db.resolve()
    if not db.parent.is_dir():
        raise EvidenceError(f"{db.parent}: the folder for the database does not exist")

    def record_changes(conn: sqlite3.Connection) -> None:  # conn is in autocommit mode: one transaction here
        if release:  # a release compares with the previous release, not with the previous build
            conn.execute("BEGIN")
            changes.extend(releases.record_history(conn, release))
            conn.execute("COMMIT")
            return
        changes.extend(_changes(conn, db, rows, log))  # attaches the previous database: outside a transaction
        conn.execute("BEGIN")
        insert_rows(conn, ChangeRecord.__table__, diff.rows(changes))
        conn.execute("COMMIT")
        carry_history(conn, db)

    def write_database(tmp: Path) -> None:
        _write_tables(rows, tmp, content_hash, release, record_changes)

    changes: list[diff.Change] = []
    with Staged() as staged:
        try:
            staged.write(db, write_database)
        except sqlite3.Error as e:
            raise EvidenceError(f"{db}: could not write the database ({e}); it is unchanged") from None
        if changelog:
            write_changelog(staged, changelog, changes)
        for path, text_of in (release or {}).get("files", {}).items():  # a release's citation files, with it
            staged.write(path, lambda tmp, text_of=text_of: tmp.write_text(text_of(content_hash), encoding="utf-8"))
        staged.commit()
    return changes


def carry_history(conn: sqlite3.Connection, db: Path) -> None:
    """A build keeps the release history of the database it replaces (the ``history`` table, which only
    `evidence release` writes): the releases stay on /changes, in the Atom feed and on record pages.
    A previous database whose history cannot be read stops the build rather than losing it."""
    if not db.exists() or not db.stat().st_size:
        return
    columns = ", ".join(c.name for c in HistoryRecord.__table__.columns)
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
    tables = [model.__table__ for model in TABLES]
    counts = {name: len(rows.get(name, [])) for name in counted_tables()}
    rows["build_info"] = [{
        "id": 1,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
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
            insert_rows(conn, table, rows.get(table.name, []))
        for table in tables:  # after the rows: one sort per index instead of one update per row
            for index in sorted(table.indexes, key=lambda i: i.name):
                conn.execute(str(sa.schema.CreateIndex(index).compile(dialect=dialect)))
        conn.execute("COMMIT")
        record_changes(conn)
        conn.executescript("".join(sql(name) for name in AFTER_INSERT))
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise EvidenceError(f"foreign key check failed: {broken[:5]}")


def stored_hash(db: Path) -> Optional[str]:
    """The content hash recorded in an existing database, or None."""
    if not db.is_file():
        return None
    try:
        with closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            return conn.execute(sql("build_info")).fetchone()[1]
    except (sqlite3.Error, TypeError):
        return None
