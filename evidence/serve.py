"""Serving the database with Datasette: immutable, with metadata.yml and its settings.

`evidence serve` pins the build it starts with (``pin``): Datasette opens the database through a link to a
file descriptor this process holds, so its pages and the ``/<db>.db`` download always come from that one
build, even after `evidence build` renames a new file over the database. When a new build is there, the
server says so on standard error and keeps serving the build it started with until it is restarted
(``request_limits.stale_notice``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

from . import metadata as md


def app(db: Path, metadata_path: Path):
    """The Datasette instance the tests query, configured as `evidence serve` runs it: immutable."""
    from datasette.app import Datasette  # heavy import: the CLI only needs the argument builders

    meta = md.read(metadata_path)
    return Datasette(immutables=[str(db)], metadata=meta, settings=md.settings(meta))


SERVED_FROM = "EVIDENCE_SERVED_FROM"  # the database file being served, and the file (device:inode) pinned


def pin(db: Path) -> Path:
    """A path to ``db`` as it is now that stays the same file when a build replaces ``db``: a link, named as
    ``db`` (the database's name on the site is its file name), to a descriptor held open by this process.
    ``db`` itself where the system has no /proc/<pid>/fd."""
    fd = os.open(db, os.O_RDONLY)
    held = Path(f"/proc/{os.getpid()}/fd/{fd}")
    if not held.exists():
        os.close(fd)
        return db
    folder = Path(tempfile.mkdtemp(prefix="evidence-serving-"))
    atexit.register(shutil.rmtree, folder, True)
    link = folder / db.name
    os.symlink(held, link)
    st = os.fstat(fd)
    os.environ[SERVED_FROM] = f"{st.st_dev}:{st.st_ino}:{db.resolve()}"
    return link


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
