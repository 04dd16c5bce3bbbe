"""Terms by their names, everywhere: a cell, facet or page never shows a stored id such as
``cochrane_review``, ``very_low`` or ``["cancer"]``, but the term's English or Dutch name (from the
vocabulary table, in the page's language), once. Conditions link to their condition page, sources
to their page, documents to their document page (by title, never by file name).

The names are read once per served database (at startup; the database is immutable).
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

from ..languages import codes, name_columns
from ..presenter import number as print_number
from ..titles import tables
from . import database_name, is_site_database
from .i18n import current, t

# column -> vocabulary kind, in every table and query
COLUMN_KINDS = {
    "condition": "condition", "intervention_type": "intervention_type", "outcome": "outcome",
    "intervention_family": "intervention_type", "design": "design", "source_design": "design",
    "status": "status", "source_status": "status", "direction": "direction", "perspective": "perspective",
    "conclusion": "economic_conclusion", "measure": "economic_measure", "quote_language": "language",
    "effect_measure": "effect_measure", "evidence_design": "evidence_design", "pooling_method": "pooling_method",
    "audience": "audience", "criterion": "criterion", "evidence_basis": "evidence_basis",
    "strength": "recommendation_strength", "source_document": "document", "effect_source_document": "document",
    "comparator_risk_source_document": "document",
}
# (table, column) -> kind, where a column means something else in one table
TABLE_KINDS = {
    ("recommendations", "direction"): "recommendation_direction",
    ("recommendations", "kind"): "recommendation_kind",
    **{(table, column): kind for table, kind in (("conditions", "condition"), ("intervention_types", "intervention_type"),
                                                   ("outcomes", "outcome"), ("documents", "document"))
       for column in ("parent", "family")},
}
ARRAYS = {"conditions": "condition", "intervention_types": "intervention_type"}  # JSON lists of terms
RAW_TABLES = {"vocabulary", "changes", "build_info"}  # tables about the terms themselves: ids as stored
FILE_NAME = re.compile(r"\s*\(([^()]*\.(?:md|txt|pdf|docx?|html?))\)|^\S+\.(?:md|txt|pdf|docx?|html?)$", re.I)
TEXT_WITH_FILE_NAMES = {"note", "source_locator", "effect_source_locator", "comparator_risk_source_locator"}
RECORD_TABLES = tables("record")  # evidence/titles.py


def slug(document_id: str) -> str:
    """The document's address: its id without the file extension (published-facts.md -> published-facts)."""
    stem, dot, ext = document_id.rpartition(".")
    return stem if dot and stem and ext.isalnum() else document_id


@dataclass
class Terms:
    """The served database's vocabulary and record names."""

    names: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (kind, id) -> its name in each language
    order: dict[str, list[str]] = field(default_factory=dict)  # kind -> ids in file order
    rank: dict[tuple[str, str], int] = field(default_factory=dict)
    parent: dict[tuple[str, str], Optional[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # source id -> label
    records: dict[str, str] = field(default_factory=dict)  # record id -> its table (findings, sources, …)
    # the documents that are the published papers themselves (their abstracts): `published: true` on the term
    published: set[str] = field(default_factory=set)

    def name(self, kind: str, value: object, lang: Optional[str] = None) -> str:
        """The term's name in the language; a readable fallback for an unknown id."""
        if value is None or value == "":
            return ""
        names = self.names.get((kind, str(value)))
        if names is None:
            return str(value).replace("_", " ")
        return names[codes().index(lang or current())] or names[0]  # English where a name is missing

    def known(self, kind: str, value: object) -> bool:
        return (kind, str(value)) in self.names

    def ids(self, kind: str) -> list[str]:
        return self.order.get(kind, [])

    def family(self, kind: str, value: str) -> str:
        seen = {value}
        while (parent := self.parent.get((kind, value))) and parent not in seen:
            seen.add(parent)
            value = parent
        return value


_TERMS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def terms(datasette) -> Terms:
    return _TERMS.get(datasette) or Terms()


async def load(datasette) -> Terms:
    loaded = Terms()
    try:
        db = datasette.get_database()
        columns = name_columns()  # name, name_<code> for each language (evidence/languages/)
        for row in (await db.execute(f"select kind, id, {', '.join(columns)}, rank, parent from vocabulary")).rows:
            key = (row["kind"], row["id"])
            loaded.names[key] = tuple(row[c] for c in columns)
            loaded.order.setdefault(row["kind"], []).append(row["id"])
            loaded.rank[key] = row["rank"]
            loaded.parent[key] = row["parent"]
        loaded.sources = {r["id"]: r["label"] for r in (await db.execute("select id, label from sources")).rows}
        for table in RECORD_TABLES:
            for r in (await db.execute(f"select id from {table}")).rows:
                loaded.records.setdefault(r["id"], table)
        loaded.published = {r["id"] for r in (await db.execute(
            "select id from vocabulary where kind = 'document' and published")).rows}
    except Exception:  # noqa: BLE001  a database without these tables is shown as Datasette shows it
        pass
    _TERMS[datasette] = loaded
    return loaded


def document_title(name: str, fallback: str = "") -> str:
    """A document's name without the file name in it: 'Published abstracts … (published-facts.md)'
    reads 'Published abstracts …'; a name that is only a file name reads as ``fallback``."""
    stripped = FILE_NAME.sub("", name or "").strip()
    return stripped or fallback or t("Document")


def kind_of(table: Optional[str], column: str) -> Optional[str]:
    if table in RAW_TABLES:
        return None
    return TABLE_KINDS.get((table, column)) or COLUMN_KINDS.get(column)


class Links:
    """URLs and names for one Datasette instance (its templates and cells)."""

    def __init__(self, datasette):
        self.datasette = datasette

    @property
    def terms(self) -> Terms:
        return terms(self.datasette)

    def row_url(self, table: str, pk: object) -> str:
        return self.datasette.urls.row(database_name(self.datasette), table, tilde_encode(str(pk)))

    def table_url(self, table: str) -> str:
        return self.datasette.urls.table(database_name(self.datasette), table)

    def record_url(self, record_id: str) -> Optional[str]:
        table = self.terms.records.get(record_id)
        if table is None:
            return None
        if table == "recommendations":
            question = record_id.split("-")[0]
            return self.datasette.urls.path(f"/guideline/{question}") + f"#{record_id}"
        if table == "questions":
            return self.datasette.urls.path(f"/guideline/{record_id}")
        return self.row_url(table, record_id)

    def condition_url(self, condition: str) -> str:
        return self.datasette.urls.path(f"/condition/{condition}")

    def document_url(self, document: str) -> str:
        return self.datasette.urls.path(f"/documents/{tilde_encode(slug(str(document)))}")

    def document_title(self, document: object) -> str:
        return document_title(self.terms.name("document", document)) if document else ""

    def no_file_names(self, text: object) -> object:
        """Free text (a note, a locator) with every document file name it mentions replaced by the
        document's title ("what was read of the published paper" for the published papers' own document)."""
        if not isinstance(text, str):
            return text
        for document in self.terms.ids("document"):
            if document in text:
                title = t("what was read of the published paper") if document in self.terms.published else self.document_title(document)
                text = text.replace(document, title)
        return text

    def term(self, kind: str, value: object) -> str:
        return self.terms.name(kind, value)

    def term_html(self, kind: str, value: object) -> Markup:
        """A term's name, linked where the term has a page of its own."""
        if value is None or value == "":
            return Markup("")
        if kind == "condition" and self.terms.known(kind, value):
            return Markup(f'<a href="{escape(self.condition_url(str(value)))}">{escape(self.term(kind, value))}</a>')
        if kind == "document":
            return Markup(f'<a href="{escape(self.document_url(str(value)))}">{escape(self.document_title(value))}</a>')
        return Markup(escape(self.term(kind, value)))

    def source_html(self, source_id: object) -> Markup:
        if not source_id:
            return Markup("")
        label = self.terms.sources.get(str(source_id), str(source_id))
        return Markup(f'<a href="{escape(self.row_url("sources", source_id))}">{escape(label)}</a>')

    def cell(self, value: object, column: str, table: Optional[str]) -> Optional[Markup | str]:
        """How a cell shows, or None for Datasette's own rendering."""
        if table in RAW_TABLES:
            return None
        if isinstance(value, dict) and "value" in value:  # a foreign key Datasette expanded to {value, label}
            value = value["value"]
        if column in ARRAYS and isinstance(value, str) and value.startswith("["):
            try:
                items = json.loads(value)
            except ValueError:
                return None
            return Markup(", ").join(self.term_html(ARRAYS[column], item) for item in items) or Markup("—")
        if column == "source_id" or (column == "source" and table is None and value in self.terms.sources):
            return self.source_html(value) if value in self.terms.sources else None
        kind = kind_of(table, column)
        if kind is not None and isinstance(value, str) and kind != "certainty":
            return self.term_html(kind, value)
        if isinstance(value, str) and (column in ("finding_id", "same_result_as") or (column == "id" and table is None)):
            url = self.record_url(value)
            return Markup(f'<a href="{escape(url)}">{escape(value)}</a>') if url else None
        if isinstance(value, float):
            return print_number(value)
        if column in TEXT_WITH_FILE_NAMES and isinstance(value, str):
            cleaned = self.no_file_names(value)
            return cleaned if cleaned != value else None
        return None


@hookimpl
async def startup(datasette):
    await load(datasette)


LINKED = ("source_id", "source", "finding_id", "same_result_as", "id")  # cells Links.cell may link


@lru_cache(maxsize=4096)
def plain(table: Optional[str], column: str) -> bool:
    """Whether ``Links.cell`` leaves the column's cells as Datasette shows them (a number aside): most
    of a wide table's columns, decided once per column instead of once per cell."""
    return (table is not None and table not in RAW_TABLES and column not in ARRAYS
            and column not in TEXT_WITH_FILE_NAMES and column not in LINKED
            and kind_of(table, column) in (None, "certainty"))


@hookimpl
def render_cell(value, column, table, database, datasette):
    if plain(table, column) and not isinstance(value, float):
        return None
    if is_site_database(datasette, database):
        return Links(datasette).cell(value, column, table)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    links = Links(datasette)
    env.filters["no_file_names"] = links.no_file_names
    env.globals.update(
        term=links.term, term_html=links.term_html, row_url=links.row_url, table_url=links.table_url,
        record_url=links.record_url, published=lambda document: document in links.terms.published, condition_url=links.condition_url, document_url=links.document_url,
        document_title=links.document_title, source_html=links.source_html, kind_of=kind_of,
        site_terms=lambda: links.terms, site_database=lambda: database_name(datasette),
        json_list=lambda value: json.loads(value) if value else [], print_number=print_number, tables_with=tables,
    )
