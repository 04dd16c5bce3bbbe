"""Provenance: every quote is found, verbatim, in the document it names.

A quote (``quote``, ``effect_quote``, ``comparator_risk_quote`` of findings and economic evaluations;
``quote`` and ``evidence_basis_quote`` of the guideline) is compared with its document without
whitespace, with one kind of hyphen and one kind of quote mark, and with words hyphenated across a
line break joined again. A quote that is not there is a ``FILE:LINE`` error naming the record and the
document.

Where the documents are is configuration: ``EVIDENCE_DOCUMENTS`` lists folders (every file in them is
a document, named by its file name) and files, separated by ``os.pathsep``; by default
``../shared/seeds`` and ``../shared/published-facts.md`` beside the repository (the folder that holds
the data folder). When they are not there, validation says that provenance was not checked (a
warning, which fails ``--strict``), and with ``CI=true`` it is an error. ``EVIDENCE_DOCUMENTS=off``
turns the check off: only for tests whose data is made up and which are not about provenance.
Each document is read and indexed once per process (again when the file changes).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from .problems import Problem
from .titles import tables

ENV = "EVIDENCE_DOCUMENTS"
OFF = "off"
# (quote field, the field naming its document) on findings and economic evaluations
QUOTED = (("quote", "source_document"), ("effect_quote", "effect_source_document"),
          ("comparator_risk_quote", "comparator_risk_source_document"))
GUIDELINE_QUOTES = ("quote", "evidence_basis_quote")
GUIDELINE_NESTED = tables("guideline")  # evidence/titles.py

# hyphen and quote-mark variants, each made one (str.replace: much quicker than str.translate)
_VARIANTS = (("\u2010", "-"), ("\u2011", "-"), ("\u00ad", ""), ("\u2018", "'"), ("\u2019", "'"), ("\u201a", "'"),
             ("\u201b", "'"), ("\u2032", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'), ("\u201f", '"'),
             ("\u2033", '"'))
_SPACE = re.compile(r"\s+")
_BROKEN_WORD = re.compile(r"(?<=\w)[-\u2010]\s*\n\s*(?=\w)")


def squeeze(text: str) -> str:
    """Text without whitespace (incl. no-break spaces), with one kind of hyphen and quote mark."""
    for variant, one in _VARIANTS:
        if variant in text:
            text = text.replace(variant, one)
    return _SPACE.sub("", text)


def variants(text: str) -> tuple[str, str]:
    """The document as printed, and with words hyphenated across a line break joined again."""
    return squeeze(text), squeeze(_BROKEN_WORD.sub("", text))


def in_text(quote: str, indexed: tuple[str, ...]) -> bool:
    wanted = squeeze(quote)
    return bool(wanted) and any(wanted in variant for variant in indexed)


def ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def locations(root: Optional[Path]) -> Optional[list[Path]]:
    """The configured documents (folders and files), or None when the check is turned off."""
    value = os.environ.get(ENV)
    if value is not None and value.strip().lower() == OFF:
        return None
    if value and value.strip():
        return [Path(p) for p in value.split(os.pathsep) if p.strip()]
    shared = (root or Path("data")).resolve().parent.parent / "shared"
    return [shared / "seeds", shared / "published-facts.md"]


_INDEX: dict[tuple, tuple[str, str]] = {}  # (path, mtime, size) -> squeezed variants: each file indexed once


def _indexed(path: Path) -> tuple[str, str]:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _INDEX:
        _INDEX[key] = variants(path.read_text(encoding="utf-8", errors="replace"))
    return _INDEX[key]


@dataclass
class Documents:
    """The documents quotes are checked against, by file name; ``missing``: configured but not there."""

    where: list[Path] = field(default_factory=list)
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)
    missing: list[Path] = field(default_factory=list)
    off: bool = False
    quotes_checked: int = 0
    _found: dict = field(default_factory=dict, repr=False)

    @property
    def checked(self) -> bool:
        return not self.off and not self.missing

    @classmethod
    def load(cls, root: Optional[Path]) -> "Documents":
        where = locations(root)
        if where is None:
            return cls(off=True)
        documents = cls(where)
        for location in where:
            if location.is_dir():
                files = sorted(p for p in location.iterdir() if p.is_file() and not p.name.startswith("."))
            elif location.is_file():
                files = [location]
            else:
                documents.missing.append(location)
                continue
            for path in files:
                documents.texts[path.name] = _indexed(path)
        return documents

    def contains(self, document: str, quote: str) -> bool:
        key = (document, quote)
        if key not in self._found:  # a quote repeated in many records is searched for once
            self.quotes_checked += 1
            self._found[key] = in_text(quote, self.texts[document])
        return self._found[key]

    def summary(self) -> str:
        """One line for the log: whether the quotes were checked, and against what."""
        if self.off:
            return f"Provenance not checked: {ENV}={OFF}"
        if self.missing:
            return f"Provenance NOT checked: no source documents at {', '.join(map(str, self.missing))}"
        return f"Provenance: every quote checked against {len(self.texts)} documents ({', '.join(map(str, self.where))})"

    def not_checked(self, partial: bool = False) -> list[Problem]:
        """The loud notice when the documents are not there: a warning, an error with CI=true.
        A partial (incremental) validation repeats it only under CI."""
        if self.checked or self.off or (partial and not ci()):
            return []
        missing = ", ".join(str(p) for p in self.missing)
        message = (f"provenance was NOT checked: the source documents are not at {missing}; put them there or "
                   f"set {ENV} to their folders and files (separated by '{os.pathsep}')")
        return [Problem(str(self.missing[0]), message, line=1, warning=not ci())]

    def problems(self, file: str, path: tuple, record: str, values: dict, default_document: Optional[str] = None,
                 fields: tuple = QUOTED, known: Optional[set] = None) -> Iterator[Problem]:
        """A problem for each quote of one record that is not in its document. ``known``: the document
        vocabulary (a document outside it is reported there, not again here)."""
        if not self.checked:
            return
        for quote_field, document_field in fields:
            quote, document = values.get(quote_field), values.get(document_field) or default_document
            if not isinstance(quote, str) or not isinstance(document, str) or not quote.strip():
                continue
            if known is not None and document not in known:
                continue
            where = dict(field=f"{record}.{quote_field}", path=(*path, quote_field))
            if document not in self.texts:
                yield Problem(file, f"the document '{document}' is not among the source documents "
                                    f"({', '.join(map(str, self.where))})", **where)
            elif not self.contains(document, quote):
                shown = quote if len(quote) <= 80 else quote[:77] + "..."
                yield Problem(file, f"not found in {document} (compared without whitespace, hyphen and "
                                    f"quote-mark variants): {shown!r}", **where)

    def unknown_terms(self, vocabulary: dict[str, dict], file: str) -> Iterator[Problem]:
        """Every document of the vocabulary is one of the source documents."""
        if not self.checked:
            return
        for term in vocabulary:
            if term not in self.texts:
                yield Problem(file, f"'{term}' is not among the source documents ({', '.join(map(str, self.where))})",
                              field=f"document.{term}", path=(term,))


def guideline_problems(documents: Documents, docs: list, known: set) -> Iterator[Problem]:
    """The guideline's quotes and evidence-basis quotes, each in its own or its question's document."""
    for doc in docs:
        if not isinstance(doc.data, list):
            continue
        for i, question in enumerate(doc.data):
            if not isinstance(question, dict):
                continue
            qid = question.get("id") if isinstance(question.get("id"), str) else f"questions[{i}]"
            own = question.get("source_document")
            pairs = tuple((q, "source_document") for q in GUIDELINE_QUOTES)
            yield from documents.problems(doc.name, (i,), qid, question, fields=pairs, known=known)
            for nested in GUIDELINE_NESTED:
                items = question.get(nested)
                for j, item in enumerate(items if isinstance(items, list) else []):
                    if isinstance(item, dict):
                        local = item.get("id") if isinstance(item.get("id"), str) else f"{nested}[{j}]"
                        yield from documents.problems(doc.name, (i, nested, j), f"{qid}-{local}", item,
                                                      default_document=own if isinstance(own, str) else None,
                                                      fields=pairs, known=known)
