"""`evidence add`: a new source from its BibTeX entry, ready to be classified and curated.

The entry goes into references.bib (unless the key or DOI is already there) and a YAML stub into a
file of its own; then the data is validated. If the new files do not validate, both are undone.

What is written can always be undone exactly: a stub is created only under a name that is free (an
existing file is never replaced), references.bib is written through a symlink to the file it names,
with its line endings and mode, and restored byte for byte; the undo removes only files this command
created. Any failure while writing (a full disk, an interrupt) undoes what was written before it.
"""

from __future__ import annotations

import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

import yaml
from jinja2 import Environment, PackageLoader

from .build import check
from .files import atomic_write, create_new
from .bibtex import BibEntry, parse_bib
from .pipeline.parse import read_inputs
from .text import decode
from .problems import EvidenceError, Problem, Report, ValidationFailed
from .validate import first_author

STUBS = Environment(loader=PackageLoader("evidence", "templates"), keep_trailing_newline=True)


@dataclass
class Added:
    source_id: str
    key: str
    file: Path
    new_reference: bool  # False when references.bib already had the entry (same key or DOI)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "source"


def unique_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    for suffix in [*"bcdefghijklmnopqrstuvwxyz", *(f"-{n}" for n in range(2, 10_000))]:
        if f"{base}{suffix}" not in taken:
            return f"{base}{suffix}"
    raise EvidenceError(f"{base}: no free source id")


def read_entries(text: Union[str, bytes], name: str) -> list[BibEntry]:
    if isinstance(text, bytes):
        text, problem = decode(text, name)
        if problem:
            raise ValidationFailed(Report([problem]))
    bib, problems = parse_bib(Path(name), text)
    if [p for p in problems if not p.warning]:
        raise ValidationFailed(Report(problems))
    if not bib.entries:
        raise EvidenceError(f"{name}: no BibTeX entry found")
    return list(bib.entries.values())


def yaml_key(key: str) -> str:
    """The key as a YAML scalar: plain when that reads back as the same text, else double-quoted."""
    try:
        plain = yaml.load(f"k: {key}", Loader=yaml.CSafeLoader) == {"k": key}
    except yaml.YAMLError:
        plain = False
    return key if plain else json.dumps(key, ensure_ascii=False)


def same_publication(a: BibEntry, b: BibEntry) -> bool:
    """Two entries for one publication: the same DOI, or the same title and year."""
    doi_a, doi_b = (a.text("doi") or "").lower(), (b.text("doi") or "").lower()
    if doi_a or doi_b:
        return doi_a == doi_b
    title = lambda e: " ".join((e.text("title") or "").lower().split())  # noqa: E731
    return bool(title(a)) and title(a) == title(b) and a.text("year") == b.text("year")


class _Bib:
    """references.bib as it was: its bytes, whether it existed, the file a symlink names, its mode."""

    def __init__(self, path: Path):
        if path.is_symlink() and not path.exists():  # neither replace the link nor create its target
            raise EvidenceError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist; nothing was added")
        self.path = path
        self.existed = path.exists()
        self.target = path.resolve() if self.existed else path  # write through a symlink, never over it
        self.before = self.target.read_bytes() if self.existed else b""
        self.mode = stat.S_IMODE(self.target.stat().st_mode) if self.existed else 0o644
        self.written = False

    def append(self, entries: list[str]) -> None:
        """Add the entries after the file's bytes, which stay as they are (in its line endings)."""
        newline = b"\r\n" if b"\r\n" in self.before else b"\n"
        text = "\n\n".join(e.replace("\r\n", "\n") for e in entries).encode("utf-8").replace(b"\n", newline)
        gap = b"" if not self.before.strip() else newline if self.before.endswith(b"\n") else newline * 2
        after = self.before + gap + text + newline
        atomic_write(self.target, lambda tmp: tmp.write_bytes(after), mode=self.mode)
        self.written = True  # from here on, an undo restores it

    def restore(self) -> None:
        """Back to the bytes it had: cut back to its old length (no disk space needed), or rewritten."""
        if not self.written:
            return
        if not self.existed:
            self.target.unlink(missing_ok=True)  # this command created it
        elif self.target.read_bytes()[: len(self.before)] == self.before:
            os.truncate(self.target, len(self.before))
        else:
            atomic_write(self.target, lambda tmp: tmp.write_bytes(self.before), mode=self.mode)
        self.written = False


def add(text: Union[str, bytes], name: str, data: Path, conditions: Iterable[str] = ()) -> list[Added]:
    """Add every entry of ``text`` (BibTeX, read from ``name``) as a new source under ``data``."""
    if not data.is_dir():
        raise EvidenceError(f"{data}: not a folder (give --data DIR)")
    new_entries = read_entries(text, name)  # before anything else: a bad entry writes nothing
    bib = _Bib(data / "references.bib")
    inputs = read_inputs(data)
    existing = inputs.bibliography.entries if inputs.bibliography else {}
    by_lower = {key.lower(): key for key in existing}
    by_doi = {(e.text("doi") or "").lower(): e.key for e in existing.values() if e.text("doi")}
    cited = {s.get("citation_key") for doc in inputs.yaml_files if isinstance(doc.data, list)
             for s in doc.data if isinstance(s, dict)}
    taken = {s.get("id") for doc in inputs.yaml_files if isinstance(doc.data, list) for s in doc.data if isinstance(s, dict)}
    taken |= {p.name.rsplit(".", 1)[0] for p in data.iterdir() if p.suffix.lower() in (".yaml", ".yml")}  # files too
    plan, appended = [], []
    for entry in new_entries:  # plan every entry before writing anything
        key = by_lower.get(entry.key.lower()) or by_doi.get((entry.text("doi") or "").lower(), entry.key)
        if key in cited:
            raise EvidenceError(f"{entry.key}: already curated (citation key {key} is used in {data})")
        if key in existing and not same_publication(existing[key], entry):
            old = existing[key]
            raise ValidationFailed(Report([Problem(name, f"the key is already in {bib.path} (line {old.line}) for another "
                                                   "publication; give the new entry a key of its own", field=entry.key,
                                                   line=entry.line)]))
        is_new = key not in existing
        if is_new:
            appended.append(entry.raw.strip())
            existing[key] = entry  # a second entry with this key in the same input is the same check
            by_lower[key.lower()] = key
        label = f"{first_author(entry) or key} {entry.text('year') or ''}".strip()
        source_id = unique_id(slug(label), taken)
        taken.add(source_id)
        stub = STUBS.get_template("source_stub.yaml").render(
            label=label, title=entry.text("title"), source_id=source_id, key=yaml_key(key), conditions=list(conditions))
        plan.append((Added(source_id, key, data / f"{source_id}.yaml", is_new), stub))
    created: list[Path] = []
    try:
        for item, stub in plan:
            while not create_new(item.file, stub.encode("utf-8")):  # taken since we looked: the next free name
                taken.add(item.source_id)
                item.source_id = unique_id(item.source_id, taken)
                stub = stub.replace(f"- id: {item.file.stem}\n", f"- id: {item.source_id}\n", 1)
                item.file = data / f"{item.source_id}.yaml"
            created.append(item.file)
        if appended:
            bib.append(appended)
        _validate_or_undo([a for a, _ in plan], bib, created)
    except BaseException as e:
        _undo(created, bib)
        if isinstance(e, EvidenceError) and not isinstance(e, ValidationFailed):
            raise EvidenceError(f"{e}; nothing was added (the files written were undone)") from None
        raise
    return [a for a, _ in plan]


def _undo(created: list[Path], bib: _Bib) -> None:
    """Remove the stubs this command created and restore references.bib byte for byte."""
    for path in created:
        path.unlink(missing_ok=True)
    created.clear()
    bib.restore()


def _validate_or_undo(added: list[Added], bib: _Bib, created: list[Path]) -> None:
    """Validate the new stubs with the bibliography; errors in the files just written undo them.

    The rest of the folder was read above and is unchanged: ids were made unique against it and the
    citation keys checked, so only the new files need parsing again (at 100k findings, seconds).
    """
    touched = {a.file.resolve() for a in added} | {bib.path.resolve()}
    mine = [p for a in added for p in check(a.file, bib.path)[1].errors if Path(p.file).resolve() in touched]
    if mine:
        _undo(created, bib)
        raise ValidationFailed(Report(mine))
