"""Building evidence.db: the stages of evidence.pipeline, one after the other (``build``).

read (bytes and the content hash) → plan (which blocks changed; a full build is the plan "everything")
→ parse → validate (rows) → write (a fresh file, or the plan applied to a copy of the database). The
database is written to a temporary file beside the target and renamed over it only when complete, so
a failed build never touches the existing database; a changelog is written the same way and renamed
before the database, so a build either writes both or neither.

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
import os
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from . import provenance
from .files import BackgroundCopy, check_target, stale_temporaries
from .pipeline.plan import NotIncremental, Plan, built_by, plan
from .pipeline.read import RawInputs, read
from .problems import EvidenceError, Report, ValidationFailed
from .version import __version__

if TYPE_CHECKING:
    from .diff import Change
    from .inputs import Inputs
    from .pipeline.rows import Validated
    from .validate import Rows

# The stages after the plan (parse, rows, write: YAML, pydantic, SQLAlchemy) are imported when a build
# runs them, so that a build with nothing to do reads, hashes and stops without loading them.

PACKAGE = Path(__file__).parent
FINGERPRINTED = {".py", ".yaml", ".sql"}
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
    """The build's content hash from the raw inputs alone, as ``check`` computes it after parsing (None
    when an input cannot be read)."""
    raw = read(data, bib)
    return content_hash_of(raw.content_hash, code_fingerprint()) if raw.complete else None


def content_hash_of(inputs_hash: str, fingerprint: bytes) -> str:
    """The build's content hash: the inputs' hash and the code's fingerprint (build_info.content_hash)."""
    return hashlib.sha256(inputs_hash.encode() + fingerprint).hexdigest()


def check(data: Path, bib: Optional[Path] = None, log: Log = lambda _: None) -> tuple[Rows, Report, str]:
    """Load and validate every input (the stages before the write, the plan "everything"); returns rows,
    problems and the content hash of the inputs."""
    started = time.perf_counter()
    raw = read(data, bib)
    checked, _ = parse_and_validate(raw, Plan.everything(), log, started)
    return checked.rows, checked.report, content_hash_of(raw.content_hash, code_fingerprint())


@dataclass
class BuildResult:
    report: Report
    changes: Optional[list[Change]] = None  # None when the database was already up to date
    content_hash: str = ""


def build(data: Path, db: Path, bib: Optional[Path] = None, strict: bool = False, log: Log = lambda _: None,
          force: bool = False, changelog: Optional[Path] = None, release: Optional[dict] = None) -> BuildResult:
    """Validate the inputs and write the database, recording what changed since the previous one.

    The stages (evidence.pipeline): read every input's bytes; plan which blocks changed since ``db``
    was built (the plan "everything" when forced, for a release, a strict build, or when a partial build
    cannot tell); parse what the plan names; validate it into rows; write a fresh file, or apply the
    plan to a copy of ``db``. A partial plan that does not hold (an error in what changed, a check
    across records) gives way to the plan "everything", the reason logged.

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
        started = time.perf_counter()
        raw = read(data, bib)  # 1. read: every input's bytes, once
        content_hash = content_hash_of(raw.content_hash, fingerprint)
        if not force and not release and not strict and raw.complete and stored_hash(db) == content_hash:
            log(f"{db} is up to date (content hash {content_hash[:12]}): nothing to do")
            return BuildResult(Report(), None, content_hash)
        everything = bool(force or release or strict)
        # a plan is applied to a copy of the database: the kernel copies it while the plan is made and the
        # stages import and parse (not when the previous build was of other code: the plan is then "everything";
        # when the plan is "everything" for another reason, the write stage leaves the copy, removed at the end)
        copy = start_copy(db) if not everything and raw.complete and built_by(db, fingerprint.hex()) else None
        try:
            # 2. plan: the blocks that changed; the full build is the plan "everything" (a reason is logged)
            chosen = plan(raw, db, fingerprint.hex(), log, everything=everything)
            return stages(raw, chosen, db, content_hash, fingerprint, started, log, strict, force, changelog,
                          release, copy)
        except NotIncremental as e:
            if copy:
                copy.discard()
            log(f"Reading everything: {e}")
            return stages(raw, Plan.everything(), db, content_hash, fingerprint, started, log, strict, force,
                          changelog, release)
        finally:
            if copy:
                copy.discard()  # (renamed over the database when the build succeeded: nothing to remove)


def start_copy(db: Path) -> Optional[BackgroundCopy]:
    """A copy of ``db`` under way beside it (None when none can be started: the write stage then copies)."""
    try:
        return BackgroundCopy(db.resolve())
    except OSError:
        return None


def stages(raw: RawInputs, chosen: Plan, db: Path, content_hash: str, fingerprint: bytes, started: float, log: Log,
           strict: bool, force: bool, changelog: Optional[Path], release: Optional[dict],
           copy: Optional[BackgroundCopy] = None) -> BuildResult:
    """parse → validate → rows → write, as the plan says. NotIncremental when a partial plan does not hold."""
    from .pipeline.rows import block_rows
    from .pipeline.write import write

    checked, parsed = parse_and_validate(raw, chosen, log, started)  # 3. parse, 4. validate
    if checked.report.fails(strict):
        raise ValidationFailed(checked.report)
    if chosen.full and not force and not release and stored_hash(db) == content_hash:
        log(f"{db} is up to date (content hash {content_hash[:12]}): nothing to do")
        return BuildResult(checked.report, None, content_hash)
    started = time.perf_counter() if chosen.full else started
    for doc in parsed.yaml_files:  # every problem has its line: the texts are not needed any more
        doc.text = ""
    checked.rows["input_blocks"] = block_rows(raw, fingerprint.hex(), checked.ids, checked.dois)  # 4. rows
    changes = write(checked.rows, chosen, db, content_hash, log, changelog, release, copy)  # 5. a fresh file, or a copy
    log(f"Wrote {db} in {time.perf_counter() - started:.1f} s" if chosen.full else
        f"Wrote {db} incrementally in {time.perf_counter() - started:.1f} s")
    if changelog:
        log(f"Wrote the changelog ({len(changes)} changes) to {changelog}")
    return BuildResult(checked.report, changes, content_hash)


def parse_and_validate(raw: RawInputs, chosen: Plan, log: Log, started: float) -> tuple[Validated, Inputs]:
    """The parse and validate stages, with the cyclic GC paused, and their log lines (times since ``started``)."""
    from .pipeline.parse import parse
    from .pipeline.rows import validated

    with gc_paused():
        parsed = parse(raw, chosen)  # the plan "everything": data files are parsed as validation reads them
        if chosen.full:
            log(f"Read {len(parsed.yaml_files)} YAML file(s) in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
        checked = validated(raw, chosen, parsed)
    if chosen.full:
        counts = ", ".join(f"{len(checked.rows[t])} {t}" for t in ("sources", "findings", "economic_evaluations"))
        log(f"Parsed and validated {counts} in {time.perf_counter() - started:.1f} s: {checked.report.summary()}")
        log(provenance.Documents.load(raw.root).summary())  # each document was indexed once, by validate
    else:
        log(f"Re-read {len(checked.rows['sources'])} source(s), {len(chosen.removed)} replaced or removed, "
            f"in {time.perf_counter() - started:.1f} s: {checked.report.summary()}")
    return checked, parsed


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


def stored_hash(db: Path) -> Optional[str]:
    """The content hash recorded in an existing database, or None."""
    if not db.is_file():
        return None
    try:
        with closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            return conn.execute((PACKAGE / "sql" / "build_info.sql").read_text(encoding="utf-8")).fetchone()[1]
    except (sqlite3.Error, TypeError):
        return None
