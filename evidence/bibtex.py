"""The BibTeX bibliography: entries parsed with their line, values resolved as BibTeX reads them, and
what BibTeX would silently accept refused with its line: stray text between entries, a value followed
by more text (a missing comma), undefined ``@string`` macros, entries without a key or a year, keys
that differ only in case, two entries with one DOI, braces nested deeper than ``MAX_BRACE_DEPTH`` and
characters that can hide text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, ImplicitComment

from .problems import Problem
from .text import HOSTILE, display, hostile_message

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its failures are reported as Problems


@dataclass
class BibEntry:
    key: str
    line: int
    entry_type: str
    fields: dict[str, str]  # raw BibTeX values, braces kept (name parsing needs them)
    raw: str = ""  # the entry as written in the .bib file

    def text(self, name: str) -> Optional[str]:
        """A field as plain text, without the braces BibTeX uses to protect capitals."""
        value = self.fields.get(name)
        return " ".join(value.replace("{", "").replace("}", "").split()) or None if value else None


@dataclass
class Bibliography:
    path: Path
    entries: dict[str, BibEntry] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display(self.path)



MAX_BRACE_DEPTH = 16  # real entries nest 4 or 5 deep (an accent in a field); the RIS export recursed out near 300
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")  # BibTeX's own macros
BAD_KEY = re.compile(r"[\s#%\"\\=~]")  # whitespace; # concatenates, % comments; quotes, \\, =, ~ are misread
MACRO = re.compile(r"[A-Za-z_][\w\-:.+/']*")


class _Malformed(ValueError):
    pass


def _parts(raw: str) -> list[str]:
    """Split a BibTeX value at its top-level ``#`` (concatenation), braces and quotes respected."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    return [*parts, raw[start:]]


def _enclosed(part: str, open_: str, close: str) -> bool:
    """``{…}`` or ``"…"`` around the whole part: the first opening is closed by the last character."""
    if len(part) < 2 or part[0] != open_ or part[-1] != close:
        return False
    depth = 0
    for i, char in enumerate(part[1:-1], 1):
        depth += char == "{"
        depth -= char == "}"
        if depth < 0 or (open_ == '"' and char == '"' and depth == 0):
            return False
    return depth == 0


def bib_value(raw: str, strings: dict[str, str]) -> str:
    """The value of a field as BibTeX reads it: enclosing braces or quotes removed, ``@string``
    macros and concatenations resolved. Raises _Malformed for what BibTeX would misread."""
    value = []
    for part in (p.strip() for p in _parts(raw.strip())):
        if _enclosed(part, "{", "}") or _enclosed(part, '"', '"'):
            value.append(part[1:-1])
        elif part.isdigit():
            value.append(part)
        elif MACRO.fullmatch(part) and part.lower() in strings:
            value.append(strings[part.lower()])
        elif MACRO.fullmatch(part) and part.lower() in MONTHS:
            value.append(part)  # jan … dec: predefined by BibTeX, kept as written
        elif MACRO.fullmatch(part):
            raise _Malformed(f"'{part}' is an undefined @string macro (put the value in braces, or define it)")
        else:
            raise _Malformed("more text after the value (a missing comma before the next field?)")
    return "".join(value)


def _too_deep_braces(text: str) -> Optional[int]:
    depth = 0
    for match in re.finditer(r"[{}]", text):
        depth = depth + 1 if match.group() == "{" else max(0, depth - 1)
        if depth > MAX_BRACE_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    return None


def parse_bib(path: Path, text: str) -> tuple[Bibliography, list[Problem]]:
    bib = Bibliography(path)
    problems = []
    lines = sorted({text.count("\n", 0, m.start()) + 1: m.group() for m in HOSTILE.finditer(text)}.items())
    problems += [Problem(bib.name, hostile_message(char), line=line) for line, char in lines[:20]]
    library = bibtexparser.parse_string(text, parse_stack=[])  # raw values: resolved and checked below
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(bib.name, f"duplicate BibTeX key '{block.key}'", line=line))
        else:
            problems.append(Problem(bib.name, "malformed BibTeX entry (check braces, quotes and commas)", line=line))
    for block in library.blocks:
        stray = _stray(block.comment) if isinstance(block, ImplicitComment) else None
        if stray is not None:
            problems.append(Problem(bib.name, "text outside any entry: did an extra '}' end the entry above early?",
                                    line=block.start_line + 1 + stray))
    strings: dict[str, str] = {}
    for string in library.strings:
        try:
            strings[string.key.lower()] = bib_value(str(string.value), strings)
        except _Malformed as e:
            problems.append(Problem(bib.name, str(e), field=f"@string {string.key}", line=string.start_line + 1))
    by_key: dict[str, BibEntry] = {}
    by_doi: dict[str, BibEntry] = {}
    for entry in library.entries:
        line = entry.start_line + 1
        if not entry.key.strip():
            problems.append(Problem(bib.name, "the entry has no key (write @type{key, …})", line=line))
            continue
        deep = _too_deep_braces(entry.raw)
        if deep:  # left out: LaTeX decoding and the RIS export recurse once per level
            problems.append(Problem(bib.name, f"braces nest more than {MAX_BRACE_DEPTH} levels deep", field=entry.key,
                                    line=line + deep - 1))
            continue
        bad = BAD_KEY.search(entry.key)
        if bad:
            problems.append(Problem(bib.name, f"a BibTeX key cannot contain {bad.group()!r}: BibTeX misreads it; use "
                                    "letters, digits and - _ : .", field=entry.key, line=line))
        fields = {}
        for f in entry.fields:
            try:
                fields[f.key.lower()] = bib_value(str(f.value), strings)
            except _Malformed as e:
                problems.append(Problem(bib.name, str(e), field=f"{entry.key}.{f.key.lower()}",
                                        line=line + _line_in(entry.raw, f.key)))
        item = BibEntry(entry.key, line, entry.entry_type, fields, entry.raw.replace("\r\n", "\n"))  # CRLF or not: one entry
        same = by_key.get(entry.key.lower())
        if same is not None and same.key != entry.key:
            problems.append(Problem(bib.name, f"duplicate BibTeX key: BibTeX reads it as '{same.key}' (line {same.line}); "
                                    "keys that differ only in case are the same key", field=entry.key, line=line))
        by_key.setdefault(entry.key.lower(), item)
        if not item.text("year"):  # some sources print no date: listed without a year, but never silently
            problems.append(Problem(bib.name, "the entry has no year; it is listed without one", field=entry.key,
                                    line=line, warning=True, justified=item.text("note") or None))
        doi = (item.text("doi") or "").lower()
        if doi and doi in by_doi:
            first = by_doi[doi]
            problems.append(Problem(bib.name, f"DOI {item.text('doi')} is also the DOI of '{first.key}' (line {first.line}): "
                                    "one publication, one entry", field=entry.key, line=line))
        by_doi.setdefault(doi, item)
        bib.entries[entry.key] = item
    return bib, problems


def _stray(comment: str) -> Optional[int]:
    """The line (from the comment's start) of text between entries that looks like fields or braces,
    not a comment: the sign of an entry closed early. ``%`` lines are BibTeX comments."""
    for number, line in enumerate(comment.split("\n")):
        if not line.lstrip().startswith("%") and re.search(r"[={}]", line):
            return number
    return None


def _line_in(raw: str, key: str) -> int:
    """Lines from the start of an entry to its field ``key`` (0 when not found)."""
    match = re.search(rf"(?im)^\s*{re.escape(key)}\s*=", raw)
    return raw.count("\n", 0, match.start()) if match else 0
