"""Serving the database with Datasette: immutable, with metadata.yml and its settings.

`evidence serve` pins the build it starts with (``pin``): Datasette opens the database through a second
name of the same file (a hard link in a hidden folder beside it, removed when the server stops), so its
pages and the ``/<db>.db`` download always come from that one build, even after `evidence build` renames a
new file over the database. Not a symbolic link to /proc/<pid>/fd: SQLite resolves symbolic links, and once
the file is replaced that one reads "evidence.db (deleted)", a name SQLite would open as a new empty database. When a new build is there, the
server says so on standard error and keeps serving the build it started with until it is restarted
(``request_limits.stale_notice``).

``run`` serves it with uvicorn in ``workers`` processes sharing one listening socket (``default_workers``:
the cores this process may use, at most ``MAX_WORKERS``). The process that pins the build starts them and
hands each the pinned name (``SERVING``), so every worker serves that one build; stopping it (Ctrl-C,
SIGTERM) stops every worker, then removes the pin, and a worker whose parent is killed stops too (Linux:
``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Optional

from . import metadata as md
from .problems import EvidenceError


def app(db: Path, metadata_path: Path):
    """The Datasette instance the tests query, configured as `evidence serve` runs it: immutable."""
    from datasette.app import Datasette  # heavy import: the CLI only needs the argument builders

    meta = md.read(metadata_path)
    return Datasette(immutables=[str(db)], metadata=meta, settings=md.settings(meta))


SERVING = "EVIDENCE_SERVING"  # [pinned database, metadata file, the serving process's pid], read by each worker
MAX_WORKERS = 4  # each worker holds up to downloads.MAX_DOWNLOADS writers: the README gives what that costs
HTTP = "evidence.site.request_limits:TimedH11Protocol"  # imported by uvicorn in each worker


def default_workers() -> int:
    """One worker per core this process may run on, at most MAX_WORKERS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def run(db: Path, metadata_path: Path, host: str, port: int, workers: int) -> None:
    """Serve the build at ``db`` (pinned) in ``workers`` processes until stopped; a file SQLite cannot read
    is an error before anything listens."""
    import sqlite3
    from contextlib import closing
    from urllib.parse import quote

    import uvicorn  # heavy import: only `evidence serve` needs it

    try:
        with closing(sqlite3.connect(f"file:{quote(str(Path(db).absolute()))}?mode=ro", uri=True)) as conn:
            conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.Error as e:
        raise EvidenceError(f"{db}: cannot be served: {e}") from None
    served = pin(db)
    os.environ[SERVING] = json.dumps([str(served), str(Path(metadata_path).absolute()), os.getpid()])
    uvicorn.run(f"{__name__}:worker", factory=True, host=host, port=port, workers=workers, http=HTTP,
                lifespan="on", log_level="info")


def worker():
    """The ASGI app of one worker (uvicorn's app factory): the pinned build, as ``app`` configures it."""
    db, metadata_path, parent = json.loads(os.environ[SERVING])
    served = app(Path(db), Path(metadata_path)).app()
    if parent == os.getpid():
        return served
    _stop_with(parent)  # a worker process of its own: it stops when the serving process does
    return handing_back(served)


def handing_back(served):
    """``served``, answering with ``Connection: close`` while this worker is busy with other requests, so that
    the client's next request goes to whichever worker accepts first (an idle one): a kept-alive connection
    otherwise stays with the worker that took it (twenty clients connecting at once: 16-17 to one of two, and
    8-12 with this)."""
    in_flight = [0]

    async def balanced(scope, receive, send):
        if scope.get("type") != "http":
            await served(scope, receive, send)
            return

        async def sending(message):
            if message.get("type") == "http.response.start" and in_flight[0] > 1:
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        in_flight[0] += 1
        try:
            await served(scope, receive, sending)
        finally:
            in_flight[0] -= 1

    return balanced


def _stop_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the serving process is gone already
        os.kill(os.getpid(), signal.SIGTERM)


SERVED_FROM = "EVIDENCE_SERVED_FROM"  # the database file being served, and the file (device:inode) pinned


PINS = ".evidence-serving-"  # the hidden folders of the hard links, one per server process


def pin(db: Path) -> Path:
    """A path to ``db`` as it is now that stays the same file when a build replaces ``db``: a hard link, named
    as ``db`` (the database's name on the site is its file name), in a hidden folder beside it that is
    removed when the server stops; folders left by servers that no longer run are removed first. ``db``
    itself where no link can be made there (the server then says so, and serves whatever is at ``db``)."""
    db = Path(db).absolute()
    for stale in db.parent.glob(PINS + "*"):
        if not _running(stale.name[len(PINS):]):
            shutil.rmtree(stale, ignore_errors=True)
    folder = db.parent / f"{PINS}{os.getpid()}"
    try:
        folder.mkdir(exist_ok=True)
        link = folder / db.name
        if link.exists():
            link.unlink()
        os.link(db, link)
    except OSError as e:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"{db}: could not pin the build being served ({e}); a new build will be served as it lands",
              file=sys.stderr, flush=True)
        return db
    atexit.register(shutil.rmtree, folder, True)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        # uvicorn handles SIGTERM, then raises it again with the handler it found: exit, so atexit runs
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    st = os.stat(link)
    os.environ[SERVED_FROM] = f"{st.st_dev}:{st.st_ino}:{db.resolve()}"
    return link


def _running(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # there, but not ours to signal
    return True


def replaced(served_from: Optional[str]) -> Optional[str]:
    """The database file, when a build has replaced the one being served (another file under its name)."""
    if not served_from:
        return None
    dev, ino, path = served_from.split(":", 2)
    try:
        st = os.stat(path)
    except OSError:
        return None
    return path if (str(st.st_dev), str(st.st_ino)) != (dev, ino) else None


def setting_args(metadata_path: Path) -> list[str]:
    """--setting NAME VALUE for each setting in metadata.yml."""
    return [arg for name, value in md.settings(md.read(metadata_path)).items() for arg in ("--setting", name, str(value))]


def serve_args(db: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """Arguments for `datasette serve` with the same configuration as ``app``."""
    return ["serve", "-i", str(db), "-m", str(metadata_path), "--host", host, "--port", str(port),
            *setting_args(metadata_path)]


def publish_args(db: Path, metadata_path: Path, service: str, wheel: Path) -> list[str]:
    """Arguments for `datasette publish cloudrun`: the immutable database, metadata and settings,
    with this package installed from its wheel (shipped as a static folder, copied before pip runs)."""
    return ["publish", "cloudrun", str(db), "--metadata", str(metadata_path), "--service", service,
            "--static", f"wheels:{wheel.parent}", "--install", f"wheels/{wheel.name}",
            "--extra-options", " ".join(setting_args(metadata_path))]
