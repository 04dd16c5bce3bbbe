"""Writing files safely: through a temporary file beside the target, renamed over it when complete.

Several outputs (the database and its changelog) are written as one: each to its temporary file
first, and renamed only when all are complete (``Staged``), so a failure leaves every target as it
was. A failure to write (a full disk, a read-only folder) is an ``EvidenceError`` that names the
target, never the temporary file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable, Optional

from .problems import EvidenceError

TEMP_SUFFIX = ".tmp"  # temporary files are .<target name>.<random>.tmp beside the target


def temp_prefix(path: Path) -> str:
    return f".{path.name}."


class Staged:
    """Files written to temporaries beside their targets, renamed over the targets together.

    ``commit`` renames the last file staged first and the first one last, so the first (the database,
    whose content hash says "up to date") is in place only when everything staged after it is too.
    Leaving the ``with`` block without a commit removes the temporaries: no target is touched.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path, int]] = []

    def __enter__(self) -> "Staged":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def write(self, path: Path, write: Callable[[Path], None], mode: int = 0o644) -> None:
        path = Path(path)
        if not path.parent.is_dir():
            raise EvidenceError(f"{path.parent}: the folder does not exist")
        try:
            fd, name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
        except OSError as e:
            raise EvidenceError(f"{path}: could not write ({e.strerror or e}); it is unchanged") from None
        os.close(fd)
        tmp = Path(name)
        self.pending.append((tmp, path, mode))
        try:
            write(tmp)
            _sync(tmp)
            os.chmod(tmp, mode)
        except OSError as e:
            raise EvidenceError(f"{path}: could not write ({e.strerror or e}); it is unchanged") from None

    def commit(self) -> None:
        for tmp, path, _ in reversed(self.pending):
            try:
                os.replace(tmp, path)
            except OSError as e:
                raise EvidenceError(f"{path}: could not replace it ({e.strerror or e})") from None
        folders = {path.parent for _, path, _ in self.pending}
        self.pending = []
        for folder in folders:
            _sync_folder(folder)

    def discard(self) -> None:
        for tmp, _, _ in self.pending:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}-journal").unlink(missing_ok=True)
        self.pending = []


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs folders; the rename is done either way
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], None], mode: int = 0o644) -> None:
    """Write through a temporary file beside ``path`` so a failure never leaves half a file."""
    with Staged() as staged:
        staged.write(path, write, mode)
        staged.commit()


def write_text(path: Path, text: str) -> None:
    """Atomically write ``text`` as UTF-8."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def create_new(path: Path, content: bytes, mode: int = 0o644) -> bool:
    """Write ``content`` to ``path`` only if nothing is there yet (atomically, never overwriting);
    False when the name is taken."""
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as e:
        raise EvidenceError(f"{path}: could not write ({e.strerror or e})") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        try:
            os.link(tmp, path)  # fails if the name exists: an existing file is never replaced
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            _create_exclusive(path, content, mode)  # a file system without hard links
        return True
    except FileExistsError:
        return False
    except OSError as e:
        raise EvidenceError(f"{path}: could not write ({e.strerror or e})") from None
    finally:
        tmp.unlink(missing_ok=True)


def _create_exclusive(path: Path, content: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
    except BaseException:
        path.unlink(missing_ok=True)  # it was created just now, by this call
        raise


def stale_temporaries(target: Path, older_than: float) -> list[Path]:
    """This tool's temporaries for ``target`` (and SQLite's journals of them) last written before
    ``older_than``: left by a build that was killed. Only call this holding the target's lock."""
    prefix = temp_prefix(target)
    found: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return found
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix):
            continue
        middle: Optional[str] = None
        for ending in (TEMP_SUFFIX, TEMP_SUFFIX + "-journal", TEMP_SUFFIX + "-wal", TEMP_SUFFIX + "-shm"):
            if name.endswith(ending):
                middle = name[len(prefix): -len(ending)]
                break
        if not middle or not all(c.isalnum() or c == "_" for c in middle):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < older_than:
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)
