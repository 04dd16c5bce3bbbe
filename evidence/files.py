"""Writing files safely: through a temporary file beside the target, renamed over it when complete.

Several outputs (the database and its changelog) are written as one: each to its temporary file
first, and renamed only when all are complete (``Staged``), so a failure leaves every target as it
was. A failure to write (a full disk, a read-only folder) is an ``EvidenceError`` that names the
target, never the temporary file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from .discover import GUIDELINE, VOCABULARY, default_bib, folder
from .problems import EvidenceError
from .text import display

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

    def write(self, path: Path, write: Callable[[Path], None], mode: int = 0o644,
              prepared: Optional["BackgroundCopy"] = None) -> None:
        """Stage ``path``: ``write`` fills its temporary (``prepared``'s, a copy being made beside it, once
        that is complete; else a new empty one)."""
        path = Path(path)
        if is_special(path):  # a device or FIFO (check_target let it through): written to, never renamed over
            try:
                write(path)
            except OSError as e:
                raise EvidenceError(f"{path}: could not write ({e.strerror or e})") from None
            return
        if not path.parent.is_dir():
            raise EvidenceError(f"{path.parent}: the folder does not exist")
        if prepared is not None:
            tmp = prepared.path
        else:
            try:
                fd, name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
            except OSError as e:
                raise EvidenceError(f"{path}: could not write ({e.strerror or e}); it is unchanged") from None
            os.close(fd)
            tmp = Path(name)
        self.pending.append((tmp, path, mode))
        try:
            if prepared is not None:
                prepared.wait()
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
        for parent in folders:
            _sync_folder(parent)

    def discard(self) -> None:
        for tmp, _, _ in self.pending:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}-journal").unlink(missing_ok=True)
        self.pending = []


class BackgroundCopy:
    """A copy of ``source`` made in a thread, into a temporary beside it named as ``Staged`` names them (a
    killed build's is removed by the next, ``stale_temporaries``). An incremental build starts it as soon
    as it knows it will apply its plan to a copy, so that the kernel copies the database and writes the
    copy out to disk while the build imports, parses and validates (neither holds the GIL).
    ``Staged.write(..., prepared=copy)`` waits for it (its error, even an interrupt, is raised there) and
    renames it over the target; ``discard`` (always, when the build ends) waits for it and removes it
    unless it was renamed."""

    def __init__(self, source: Path) -> None:
        import shutil
        import threading

        self.source = Path(source)
        fd, name = tempfile.mkstemp(prefix=temp_prefix(self.source), suffix=TEMP_SUFFIX, dir=self.source.parent)
        os.close(fd)
        self.path = Path(name)
        self.error: Optional[BaseException] = None

        def copy() -> None:
            try:
                shutil.copyfile(self.source, self.path)
                _sync(self.path)  # written out now, while the build works: the sync before the rename is then short
            except BaseException as e:  # raised again in the build's thread, by ``wait``
                self.error = e

        self.thread = threading.Thread(target=copy, name="evidence-copy")
        self.thread.start()

    def wait(self) -> None:
        """Until the copy is complete; its error if it failed (OSError: a full disk, an unreadable file)."""
        self.thread.join()
        if self.error is not None:
            raise self.error

    def discard(self) -> None:
        self.thread.join()
        self.path.unlink(missing_ok=True)


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


# --- what a command may write over -----------------------------------------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
PROJECT_INPUTS = ("metadata.yml", "maintainers.yaml")  # inputs beside the data folder (the working directory's)
YAML_SUFFIXES = (".yaml", ".yml", ".cff")
# what an existing file is, as far as a target check cares: the kinds this tool reads and never overwrites
# unless the command writes that kind (a database it built; a BibTeX export over a BibTeX file)
KINDS = {"database": "a SQLite database", "yaml": "a YAML file", "bibtex": "a BibTeX file"}


def file_kind(path: Path) -> Optional[str]:
    """'database', 'yaml' or 'bibtex' for an existing regular file of that kind (by its first bytes,
    or for YAML its name), else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head.startswith(SQLITE_HEADER):
        return "database"
    if path.suffix.lower() in YAML_SUFFIXES:
        return "yaml"
    if path.suffix.lower() == ".bib" or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"@"):
        return "bibtex"
    return None


def built_database(path: Path) -> bool:
    """An existing file is a database this tool built: empty, or SQLite with build_info as a build writes it."""
    import sqlite3
    from contextlib import closing

    if path.stat().st_size == 0:
        return True
    if file_kind(path) != "database":
        return False
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            columns = {row[1] for row in conn.execute("pragma table_info(build_info)")}
    except sqlite3.Error:
        return False
    return {"content_hash", "package_version", "row_counts"} <= columns


def input_reason(path: Path, data: Path, bib: Optional[Path] = None, reading: Sequence[Path] = (),
                 inputs: Sequence[Path] = (), data_folder: bool = True) -> Optional[str]:
    """Why ``path`` (followed through symlinks) is an input of the project in ``data``, or None: a file in
    the data folder, the bibliography, metadata.yml, maintainers.yaml, ``inputs`` or a file being read."""
    target, root = path.resolve(), folder(data).resolve()
    if any(target == Path(p).resolve() for p in reading):
        return "it is the file being read"
    if data_folder:  # not for `evidence add`: the data folder and the bibliography are what it writes
        if target == (bib or default_bib(data)).resolve():
            return "it is the bibliography"
        if data.is_dir() and target.is_relative_to(root):
            return f"it is inside the data folder {display(root)}"
        if not data.is_dir() and target == data.resolve():
            return "it is the data file"
        if not data.is_dir() and (target.is_relative_to(root / VOCABULARY) or target == root / GUIDELINE):
            return f"it is an input in {display(root)}"
    for name in (*PROJECT_INPUTS, *inputs):
        if target == Path(name).resolve():
            return f"it is an input ({Path(name).name})"
    return None


def check_target(path: Optional[Path], option: str, what: str, writes: Optional[str] = None, *,
                 data: Path = Path("data"), bib: Optional[Path] = None, reading: Sequence[Path] = (),
                 inputs: Sequence[Path] = (), in_data: bool = False) -> None:
    """The one check every command that writes a file runs on each target before it reads or writes
    anything (build, release, export, forest, forest-csv, add). Refuses, naming ``option``:

    - an input: anything in the data folder and the bibliography (unless ``in_data``: `evidence add`
      writes there), metadata.yml, maintainers.yaml, ``inputs``, or a file the command reads (``reading``);
    - a folder, or a target whose folder does not exist;
    - an existing SQLite database, YAML or BibTeX file, unless the command writes that kind (``writes``)
      and, for a database, it is one this tool built.

    A device or FIFO is written to directly (``Staged`` never renames over it). ``-`` (standard output)
    and None pass.
    """
    if path is None or str(path) == "-":
        return
    path = Path(path)
    reason = input_reason(path, data, bib, reading, inputs, data_folder=not in_data)
    if reason:
        raise EvidenceError(f"{path}: refusing to write the {what} there: {reason}; give {option} another file")
    if path.is_dir():
        raise EvidenceError(f"{path}: is a folder; give {option} a file")
    if not path.parent.is_dir():
        raise EvidenceError(f"{path.parent}: the folder for the {what} does not exist; nothing was written")
    if path.exists() and not path.resolve().is_file() and writes == "database":
        raise EvidenceError(f"{path}: is not a regular file; a database is written to a file: give {option} another one")
    if not path.exists() or not path.resolve().is_file():
        return  # nothing there yet, or a device or FIFO (written to directly)
    kind = file_kind(path.resolve())
    if writes == "database":
        if not built_database(path.resolve()):
            raise EvidenceError(f"{path}: exists and is not a database this tool built (no SQLite header or no "
                                f"build_info table); refusing to overwrite it: give {option} another file, or remove "
                                "it yourself")
    elif kind and kind != writes:
        raise EvidenceError(f"{path}: exists and is {KINDS[kind]}; refusing to overwrite it with the {what}: give "
                            f"{option} another file, or remove it yourself")


def is_special(path: Path) -> bool:
    """A device, FIFO or socket: written to in place (a rename would replace the node with a file)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
