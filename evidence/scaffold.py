"""`evidence add`: a new source from its BibTeX entry, ready to be classified and curated.

The entry goes into references.bib (unless the key or DOI is already there) and a YAML stub into a
file of its own; then the data is validated. If the new files do not validate, both are undone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, PackageLoader

from .build import check
from .files import atomic_write
from .inputs import BibEntry, parse_bib, read_inputs
from .problems import EvidenceError, Report, ValidationFailed
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
    return next(f"{base}{letter}" for letter in "bcdefghijklmnopqrstuvwxyz" if f"{base}{letter}" not in taken)


def read_entries(text: str, name: str) -> list[BibEntry]:
    bib, problems = parse_bib(Path(name), text)
    if problems:
        raise ValidationFailed(Report(problems))
    if not bib.entries:
        raise EvidenceError(f"{name}: no BibTeX entry found")
    return list(bib.entries.values())


def add(text: str, name: str, data: Path, conditions: Iterable[str] = ()) -> list[Added]:
    """Add every entry of ``text`` (BibTeX, read from ``name``) as a new source under ``data``."""
    if not data.is_dir():
        raise EvidenceError(f"{data}: not a folder (give --data DIR)")
    bib_path = data / "references.bib"
    before = bib_path.read_text(encoding="utf-8") if bib_path.exists() else ""
    inputs = read_inputs(data)
    existing = inputs.bibliography.entries if inputs.bibliography else {}
    by_doi = {(e.text("doi") or "").lower(): e.key for e in existing.values() if e.text("doi")}
    cited = {s.get("citation_key") for doc in inputs.yaml_files if isinstance(doc.data, list)
             for s in doc.data if isinstance(s, dict)}
    taken = {s.get("id") for doc in inputs.yaml_files if isinstance(doc.data, list) for s in doc.data if isinstance(s, dict)}
    added, appended, stubs = [], [], []
    for entry in read_entries(text, name):  # plan every entry before writing anything
        key = entry.key if entry.key in existing else by_doi.get((entry.text("doi") or "").lower(), entry.key)
        if key in cited:
            raise EvidenceError(f"{entry.key}: already curated (citation key {key} is used in {data})")
        if key not in existing:
            appended.append(entry.raw.strip())
        label = f"{first_author(entry) or key} {entry.text('year') or ''}".strip()
        source_id = unique_id(slug(label), taken)
        taken.add(source_id)
        added.append(Added(source_id, key, data / f"{source_id}.yaml", key not in existing))
        stubs.append(STUBS.get_template("source_stub.yaml").render(
            label=label, title=entry.text("title"), source_id=source_id, key=key, conditions=list(conditions)))
    for item, stub in zip(added, stubs):
        atomic_write(item.file, lambda tmp, stub=stub: tmp.write_text(stub, encoding="utf-8"))
    if appended:
        text_after = before.rstrip("\n") + ("\n\n" if before.strip() else "") + "\n\n".join(appended) + "\n"
        atomic_write(bib_path, lambda tmp: tmp.write_text(text_after, encoding="utf-8"))
    _validate_or_undo(data, added, bib_path, before)
    return added


def _validate_or_undo(data: Path, added: list[Added], bib_path: Path, before: str) -> None:
    """Validate the new stubs with the bibliography; errors in the files just written undo them.

    The rest of the folder was read above and is unchanged: ids were made unique against it and the
    citation keys checked, so only the new files need parsing again (at 100k findings, seconds).
    """
    touched = {a.file.resolve() for a in added} | {bib_path.resolve()}
    mine = [p for a in added for p in check(a.file, bib_path)[1].errors if Path(p.file).resolve() in touched]
    if mine:
        for a in added:
            a.file.unlink(missing_ok=True)
        if before:
            atomic_write(bib_path, lambda tmp: tmp.write_text(before, encoding="utf-8"))
        else:
            bib_path.unlink(missing_ok=True)
        raise ValidationFailed(Report(mine))
