"""Stage 1 of the build, read: every input's bytes, read once in a stable order, the problems of reading
them, and the content hash of them all; the hashes of each input and of its blocks (a block is one
top-level item of a data file, or one entry of the bibliography) as later stages ask for them."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from ..discover import default_bib, find_inputs, folder
from ..problems import Problem
from ..text import display

LINE_START = re.compile(rb"\n(?:-[ \t\r\n]|---|\.\.\.|%)")  # an item ("-" at column 0), a marker, a directive
ENTRY_START = re.compile(rb"\n[ \t]*@")  # a bibliography entry (or @string, @comment …) at a line start
ENTRY_HEAD = re.compile(rb"@[ \t]*([A-Za-z]+)[ \t\r\n]*[{(][ \t\r\n]*([^,\s{}()]*)")
KINDS = (("vocabulary", "vocabulary"), ("data", "sources"), ("guideline", "guideline"))  # (kind, discover.Found field)


def digest(raw: Union[bytes, memoryview]) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class RawInputs:
    """Every input's bytes and the content hash of them all; the problems of finding and reading them."""

    root: Path  # the data folder
    files: dict[tuple[str, str], Optional[bytes]]  # (kind, path relative to the data folder) -> bytes (None: released)
    paths: dict[tuple[str, str], Path]
    bib: Optional[tuple[str, bytes]]  # (name, bytes); None when it cannot be read
    bib_path: Path
    content_hash: str
    problems: list[Problem] = field(default_factory=list)
    _blocks: dict = field(default_factory=dict, repr=False)
    _digests: dict = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        """Every input was found and read (else only a full build reports what is wrong)."""
        return not self.problems and self.bib is not None and any(kind == "vocabulary" for kind, _ in self.files)

    def bytes_of(self, key: tuple[str, str]) -> bytes:
        return self.bib[1] if key[0] == "bibliography" else self.files[key]

    def digest(self, key: tuple[str, str]) -> str:
        """The hash of a whole input ((kind, name); the bibliography's kind is "bibliography")."""
        if key not in self._digests:
            self._digests[key] = digest(self.bytes_of(key))
        return self._digests[key]

    def blocks(self, key: tuple[str, str]) -> tuple[Optional[list[tuple[int, int]]], list[str]]:
        """A data file's item spans and their hashes, or the bibliography's entries ((kind, name))."""
        if key not in self._blocks:
            data = self.bytes_of(key)
            spans = entry_spans(data) if key[0] == "bibliography" else item_spans(data)
            view = memoryview(data)  # slices without copies
            self._blocks[key] = spans, [digest(view[a:b]) for a, b in spans or []]
        return self._blocks[key]

    def release(self, key: tuple[str, str]) -> bytes:
        """A file's bytes, let go of here (its hashes and a data file's blocks are kept): a full build
        parses each file once, and holds no file twice, as bytes and as text."""
        self.digest(key)
        if key[0] == "data":
            self.blocks(key)
        data, self.files[key] = self.files[key], None
        return data


def hash_input(hasher: Any, kind: str, name: str, file_digest: str) -> None:
    """Add one input to the content hash, by its own hash (``digest``, which the plan compares with the
    previous build's: each file is hashed once): a YAML file with its name (relative to the data folder),
    the bibliography bare."""
    if kind != "bibliography":
        hasher.update(name.encode() + b"\0")
    hasher.update(file_digest.encode())
    if kind != "bibliography":
        hasher.update(b"\0")


def read(data: Path, bib: Optional[Path] = None) -> RawInputs:
    """Find the inputs (before any file is opened: nothing outside the data folder is read), then read
    each once: the vocabularies, the sources, the guideline, the bibliography. What cannot be read is a
    problem, not an error."""
    bib = bib or default_bib(data)
    root = folder(data)
    found = find_inputs(data)
    hasher = hashlib.sha256()
    files, paths, digests, problems = {}, {}, {}, list(found.problems)
    for kind, group in KINDS:
        for path in getattr(found, group):
            try:
                raw = path.read_bytes()
            except OSError as e:
                problems.append(Problem(display(path), f"cannot read ({e.strerror or e})", line=1))
                continue
            key = (kind, path.relative_to(root).as_posix())
            digests[key] = digest(raw)
            hash_input(hasher, kind, key[1], digests[key])
            files[key], paths[key] = raw, path
    bibliography = None
    if bib.is_symlink() and not bib.exists():
        problems.append(Problem(display(bib), f"a dangling symlink or a symlink loop (to {os.readlink(bib)}): "
                                "the bibliography cannot be read", line=1))
    elif not bib.is_file():
        problems.append(Problem(display(bib), "bibliography not found (give --bib, or put references.bib beside the data)", line=1))
    else:
        try:
            bibliography = (bib.name, bib.read_bytes())
            digests[("bibliography", bib.name)] = digest(bibliography[1])
            hash_input(hasher, "bibliography", bib.name, digests[("bibliography", bib.name)])
        except OSError as e:
            problems.append(Problem(display(bib), f"cannot read ({e.strerror or e})", line=1))
    return RawInputs(root, files, paths, bibliography, bib, hasher.hexdigest(), problems, _digests=digests)


def item_spans(raw: bytes) -> Optional[list[tuple[int, int]]]:
    """Byte spans of the top-level list items of a data file (comments after an item belong to it),
    split as ``yaml_fast.load_items`` splits the text; None when the file is not a plain list (a document
    marker or directive at a line start, or content before the first item). One scan of the file."""
    if raw.startswith((b"---", b"...", b"%")):
        return None
    starts = []
    for match in LINE_START.finditer(raw):
        if match.group()[1:2] != b"-" or match.group() == b"\n---":
            return None
        starts.append(match.start() + 1)
    if raw[:1] == b"-" and raw[1:2] in (b" ", b"\t", b"\r", b"\n", b""):
        starts.insert(0, 0)
    head = raw[: starts[0]] if starts else raw
    if not starts or any(line.strip() and not line.lstrip().startswith(b"#") for line in head.splitlines()):
        return None
    return list(zip(starts, [*starts[1:], len(raw)]))


def entry_spans(raw: bytes) -> list[tuple[int, int]]:
    """Byte spans of the bibliography's blocks, each from an ``@`` at a line start to the next."""
    starts = [m.end() - 1 for m in ENTRY_START.finditer(raw)]
    if raw.lstrip()[:1] == b"@":
        starts.insert(0, len(raw) - len(raw.lstrip()))
    return list(zip(starts, [*starts[1:], len(raw)]))


def entry_key(block: bytes) -> tuple[Optional[str], Optional[str]]:
    """(entry type, key) of a bibliography block, lower-cased type; (None, None) if unreadable."""
    match = ENTRY_HEAD.match(block)
    return (match.group(1).decode().lower(), match.group(2).decode("utf-8", "replace")) if match else (None, None)
