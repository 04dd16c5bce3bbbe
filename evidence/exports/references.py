"""Bibliographies of a filtered set: BibTeX written with bibtexparser, RIS with rispy.

The entries come from the database (sources.bibtex keeps each entry as written in references.bib),
so an export needs nothing but evidence.db.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import IO, Iterable, Iterator, Optional

import bibtexparser
import rispy
from bibtexparser import Library
from bibtexparser import middlewares as mw
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.middlewares.parsestack import default_unparse_stack

from ..latex import plain as _plain
from ..read import Filters, select, source_ids, sql
from ..titles import tables
from . import Format, Output, provenance, provenance_text, register, text

RIS_TYPES = {"article": "JOUR", "techreport": "RPRT", "unpublished": "UNPB", "book": "BOOK",
             "inproceedings": "CPAPER", "misc": "GEN"}
# BibTeX field -> rispy key, for the fields copied as they are
RIS_FIELDS = {"title": "title", "journal": "secondary_title", "year": "year", "volume": "volume",
              "number": "number", "doi": "doi", "publisher": "publisher",
              "institution": "publisher", "pmid": "accession_number"}
# BibTeX fields RIS has no tag for, carried as "<label>: value" notes (N1)
# (the PMID also goes in AN, where Zotero reads it; citation-js drops AN but keeps the note)
RIS_NOTES = {"pmid": "PMID", "pmcid": "PMCID", "howpublished": "Published as"}
CITING_TABLES = tables("sourced")  # evidence/titles.py
BATCH = 500  # entries parsed and written at a time


def entries(conn: sqlite3.Connection, ids: Optional[Iterable[str]]) -> list[str]:
    """The BibTeX entries of the given sources (all sources when None), ordered by key."""
    return [entry for batch in entry_batches(conn, ids) for entry in batch]


def entry_batches(conn: sqlite3.Connection, ids: Optional[Iterable[str]], size: Optional[int] = None) -> Iterator[list[str]]:
    """The same entries, ``size`` at a time, from a cursor of its own."""
    if ids is None:
        ids = [row[0] for row in conn.execute(*select("sources", {}, "id"))]
    cursor = conn.cursor().execute(sql("source_entries"), {"ids": json.dumps(list(ids))})
    while True:
        rows = cursor.fetchmany(size or BATCH)
        if not rows:
            return
        batch = [row[3] for row in rows if row[3]]
        if batch:
            yield batch


def to_bibtex(raw_entries: list[str]) -> str:
    """The entries for biblatex and BibTeX alike: a PMID as biblatex's ``eprint`` with ``eprinttype =
    {pubmed}`` (biblatex manual, 3.14.7 "Electronic Publishing Information"; neither knows a ``pmid``
    field), a PMCID, for which biblatex has no field, in the note.

    Each entry is written on its own and kept (``RENDERED``: a source's stored entry is written the same
    every time), the ones not kept yet parsed together; the text is the same as writing them all at once
    (bibtexparser separates entries with a blank line either way). Entries that do not parse as one entry
    each (a comment, a broken entry) or that repeat a key are written all at once, as they always were,
    and not kept."""
    found = {raw: RENDERED.get(raw) for raw in raw_entries}
    missing = [raw for raw, kept in found.items() if kept is None]
    library = bibtexparser.parse_string("\n\n".join(missing)) if missing else Library()
    if len(library.blocks) == len(library.entries) == len(missing):
        found.update((raw, (entry.key, _write(Library([entry])))) for raw, entry in zip(missing, library.entries))
        if len(found) == len(raw_entries) == len({key for key, _ in found.values()}):  # no key twice
            if len(RENDERED) + len(missing) > RENDERED_MAX:
                RENDERED.clear()  # bounded: beyond that many sources, entries are written again
            RENDERED.update((raw, found[raw]) for raw in missing)
            return "\n\n".join(found[raw][1] for raw in raw_entries)
    return _write(bibtexparser.parse_string("\n\n".join(raw_entries)))


RENDERED: dict[str, tuple[str, str]] = {}  # a stored BibTeX entry -> its key and to_bibtex's text of it
RENDERED_MAX = 20_000  # entries kept (100k findings cite 10,000 sources; a few MB)


def _write(library) -> str:
    for entry in library.entries:
        identifiers(entry)
    # the library is this module's own: enclosed in place, not deep-copied first (bibtexparser's
    # default copies every entry, which took 40% of writing a filter's bibliography)
    return bibtexparser.write_string(library, unparse_stack=default_unparse_stack(allow_inplace_modification=True))


def identifiers(entry) -> None:
    from bibtexparser.model import Field

    fields = {f.key.lower(): f.key for f in entry.fields}
    pmid = entry.pop(fields["pmid"]).value if "pmid" in fields else None
    pmcid = entry.pop(fields["pmcid"]).value if "pmcid" in fields else None
    if pmid and "eprint" not in fields:
        entry.set_field(Field("eprint", pmid))
        entry.set_field(Field("eprinttype", "pubmed"))
    if pmcid:
        note = entry.get(fields.get("note", "note"))
        text = f"PMCID: {pmcid}"
        if note is not None:
            entry.pop(note.key)
        entry.set_field(Field("note", f"{note.value}. {text}" if note is not None and note.value else text))


class PlainRisWriter(rispy.RisWriter):
    """Standard RIS: no numbered line before each record (rispy's default writes one)."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(raw_entries: list[str]) -> str:
    # names are split with their braces intact ({de Boer} is one surname); LaTeX is decoded after
    library = bibtexparser.parse_string("\n\n".join(raw_entries), append_middleware=[mw.SeparateCoAuthors()])
    return rispy.dumps([ris_record(entry) for entry in library.entries], implementation=PlainRisWriter)


def ris_record(entry) -> dict:
    fields = {f.key.lower(): f.value for f in entry.fields}
    record = {"type_of_reference": RIS_TYPES.get(entry.entry_type.lower(), "GEN"), "id": entry.key}
    names = fields.pop("author", [])
    authors = [_ris_name(name) for name in names if name.lower() != "others"]
    if authors:
        record["authors"] = authors
    notes = []
    if any(name.lower() == "others" for name in names):  # BibTeX's "and others": RIS has no such author
        notes.append("Author list truncated in the source (et al.).")
    for name, value in fields.items():
        if name == "note" and value:
            notes.append(plain(value))
        if name in RIS_NOTES and value:  # RIS has no tag for these: a note each, so nothing is lost
            notes.append(f"{RIS_NOTES[name]}: {plain(value)}")
        if name in RIS_FIELDS and value:
            record[RIS_FIELDS[name]] = plain(value)
    if notes:
        record["notes"] = notes  # a list: one N1 line per note
    if "pages" in fields:
        first, last = split_pages(plain(fields["pages"]))
        record["start_page"] = first
        if last:
            record["end_page"] = last
    if "doi" in fields:
        record["urls"] = [f"https://doi.org/{plain(fields['doi'])}"]
    return record


def _ris_name(name: str) -> str:
    parts = parse_single_name_into_parts(name)
    last = plain(" ".join(parts.von + parts.last))
    first = plain(" ".join(parts.first + parts.jr))
    return f"{last}, {first}" if first else last


def plain(value: str) -> str:
    """LaTeX to plain text: braces dropped, accents decoded (von B{\\"u}low -> von Bülow)."""
    return _plain(str(value)) or ""


def split_pages(pages: str) -> tuple[str, str]:
    """"1--15", "1–15" or "1-15" → ("1", "15"); a single page → ("7", "")."""
    first, _, last = re.sub(r"\s*(?:--|–|—|-)\s*", "-", pages.strip(), count=1).partition("-")
    return first, last


SEPARATORS = {"bib": "\n\n", "ris": "\n"}  # between the entries of two batches, as between any two entries


def bib_header(info: dict) -> str:
    """A @comment before the entries (BibTeX, biber and pybtex skip it) saying which release it is."""
    return "@comment{" + provenance_text(info).replace("{", "(").replace("}", ")") + "}\n\n"


def ris_header(info: dict) -> str:
    """A line before the first record, which RIS readers skip: they read from the first TY line on
    (Zotero's RIS translator accepts up to four other lines before it; rispy skips them)."""
    return provenance_text(info) + "\n\n"


HEADERS = {"bib": bib_header, "ris": ris_header}


def _writer(render, kind: str):
    """Each batch of entries rendered on its own (neither writer looks beyond one entry) and joined as
    the whole list would be, after a header saying which release the file came from."""
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
        count, started = 0, False
        with text(out) as f:
            f.write(HEADERS[kind](provenance(conn)))
            for batch in entry_batches(conn, source_ids(conn, filters)):
                rendered = render(batch)
                if rendered:
                    f.write((SEPARATORS[kind] if started else "") + rendered)
                    started = True
                count += len(batch)
        return Output(count, "references")
    return write


register(Format("bib", "bib", "application/x-bibtex; charset=utf-8", "bib", _writer(to_bibtex, "bib"), default=True,
                site_tables=CITING_TABLES, title="BibTeX"))
register(Format("ris", "ris", "application/x-research-info-systems; charset=utf-8", "ris", _writer(to_ris, "ris"),
                default=True, site_tables=CITING_TABLES, title="RIS"))
