"""Table pages as lists a reader can scan: findings, economic evaluations and sources in a compact
layout (the columns a working group reads, labelled, ?_all=1 for every column), the active filters
in words, facets by their terms' names (the configured ones counted in one pass, or read from the
build's counts: precomputed_facets.py), a search with very many matches bounded to its first ones
(bounded_search.py), and downloads of the whole filtered set."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Iterable, Optional
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.facets import ColumnFacet
from datasette.utils import await_me_maybe

from .. import exports
from ..presenter import effect_text, number
from ..vocabulary import scales
from . import is_site_database
from .bounded_search import bound
from .certainty_symbols import certainty_rank, certainty_word
from .i18n import localised, t
from .labels import ARRAYS, Links, kind_of
from .precomputed_facets import CountedColumnFacet

# The compact layout of a table: (column, heading); a column named "effect" is the effect with its CI.
COMPACT = {
    "findings": [("certainty", "Certainty"), ("statement", "Statement"), ("effect", "Effect (95% CI)"),
                 ("condition", "Condition"), ("intervention_type", "Intervention type"), ("outcome", "Outcome"),
                 ("timepoint", "Timepoint"), ("source_id", "Source")],
    "economic_evaluations": [("conclusion", "Conclusion"), ("statement", "Statement"), ("value", "Value"),
                             ("condition", "Condition"), ("intervention_type", "Intervention type"),
                             ("perspective", "Perspective"), ("source_id", "Source")],
    "sources": [("label", "Source"), ("title", "Title"), ("year", "Year"), ("design", "Design"), ("status", "Status"),
                ("conditions", "Conditions")],
}
LINK_COLUMN = {"findings": "statement", "economic_evaluations": "statement", "sources": "label"}
COLUMN_TITLES = {
    "condition": "Condition", "certainty": "Certainty", "intervention_type": "Intervention type", "outcome": "Outcome",
    "source_design": "Design of the source", "design": "Design", "status": "Status", "conditions": "Conditions",
    "intervention_types": "Intervention types", "conclusion": "Conclusion", "perspective": "Perspective",
    "source_id": "Source", "statement": "Statement", "timepoint": "Timepoint", "direction": "Direction",
    "measure": "Measure", "value": "Value", "year": "Year", "title": "Title", "label": "Source",
    "intervention_family": "Intervention family", "source_status": "Status of the source", "_search": "Search",
    "audience": "Audience", "kind": "Kind", "criterion": "Criterion", "question_id": "Guideline module",
    "table_name": "Table", "change": "Change",
}
NOT_DOWNLOAD_ARGS = {"_next", "_size", "_stream", "_dl", "lang", "_all", "_facet", "_facet_size", "_labels",
                     "_nocount", "_nofacet"}


def column_title(column: str) -> str:
    return t(COLUMN_TITLES.get(column, column.replace("_", " ").capitalize()))


def value_label(table: str, column: str, value: str, links: Links) -> str:
    if column == "certainty":
        return certainty_word(value)
    kind = ARRAYS.get(column) or kind_of(table, column)
    if column == "source_id":
        return links.terms.sources.get(value, value)
    return links.term(kind, value) if kind else value


def active_filters(request, table: str, links: Links) -> list[dict]:
    """The page's filters in words, each with the address that removes it."""
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    shown = []
    for i, (key, value) in enumerate(pairs):
        if key.startswith("_") and key != "_search" or key == "lang":
            continue
        column, _, op = key.partition("__")
        others = [p for j, p in enumerate(pairs) if j != i and p[0] != "_next"]
        if key == "same_result_as__isnull":
            shown.append({"column": t("Each result"), "text": t("listed once"),
                          "remove": request.path + ("?" + urlencode(others) if others else "")})
            continue
        if op == "isnull":
            text = t("not GRADE-rated") if column == "certainty" else t("not stated")
        elif op in ("", "exact"):
            text = value_label(table, column, value, links)
        elif op == "in":
            text = ", ".join(value_label(table, column, v.strip(), links) for v in value.split(","))
        else:
            text = f"{op} {value}"
        shown.append({"column": column_title(column), "text": text,
                      "remove": request.path + ("?" + urlencode(others) if others else "")})
    return shown


def download_links(datasette, request, database: str, table: str) -> list[dict]:
    """CSV (every row, streamed), the registry's formats for the table and JSON, for the page's filters:
    through /download, the command line's files, when the command line has the page's filters."""
    from .downloads import DATASETTE_OWN, links as export_links

    through_exports = export_links(datasette, request, table)
    if through_exports is not None:
        return through_exports
    default_sort = request.scope.get(DEFAULT_SORT)  # the page's own order, not asked for: downloads keep theirs
    args = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True)
            if k not in NOT_DOWNLOAD_ARGS and (k, v) != default_sort]

    def url(fmt: str, extra: list[tuple[str, str]]) -> str:
        return datasette.urls.table(database, table, format=fmt) + "?" + urlencode(args + extra)

    links = [{"name": "CSV", "url": url("csv", [("_stream", "1"), ("_dl", "1")]), "file": True, "complete": True}]
    for fmt in exports.site_formats(table):
        ext = fmt.site_extension
        if ext in DATASETTE_OWN:
            continue
        links.append({"name": fmt.site_title, "url": url(ext, [("_size", "max")]),
                      "file": not fmt.media_type.startswith("text/html"), "complete": False})
    links.append({"name": "JSON", "url": url("json", [("_shape", "array"), ("_size", "max")]), "file": False,
                  "complete": False})
    return links


def economic_value(row) -> str:
    """An evaluation's value as it reads: a ratio measure (evidence/scales.yaml: scale: ratio) as "1 : 26"
    with what it means ("EUR 26 per EUR 1"), any other with its currency ("GBP 5744"); decimal commas in Dutch."""
    if row["value"] is None:
        return ""
    value, currency = number(row["value"]), row["currency"] or ""
    if (scales().term("economic_measure", row["measure"]) or {}).get("scale") == "ratio":
        per = f" ({currency} {value} {t('per')} {currency} 1)" if currency else ""
        return localised(f"1 : {value}{per}")
    return localised(" ".join(x for x in (currency, value) if x))


def row_values(row, display_row, table: str, links: Links) -> dict:
    """A row's cells by column, with the computed ones (a finding's effect with its CI, an evaluation's
    measure with its value and currency)."""
    cells = {cell["column"]: cell["value"] for cell in display_row}
    keys = row.keys()
    if table == "findings" and {"effect", "effect_measure", "ci_lower", "ci_upper"} <= set(keys):
        cells["effect"] = localised(effect_text(row)) if row["effect"] is not None else "–"
    if table == "economic_evaluations" and {"measure", "value", "currency"} <= set(keys):
        amount = economic_value(row)
        cells["value"] = ": ".join(x for x in (links.term("economic_measure", row["measure"]), amount) if x) or "–"
    return cells


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    if view_name != "table" or not table or request is None or not is_site_database(datasette, database):
        return None
    links = Links(datasette)

    async def inner():
        columns = await datasette.get_database(database).table_columns(table)
        return {
            "compact_columns": compact_columns(table, [k for k in request.args.keys() if request.args.get(k)]),
            "link_column": LINK_COLUMN.get(table),
            "active_filters": active_filters(request, table, links),
            "downloads": download_links(datasette, request, database, table),
            "max_rows": datasette.setting("max_returned_rows"),
            "certainty_sort": "certainty_rank" if "certainty_rank" in columns else None,
            "row_values": lambda row, display_row: row_values(row, display_row, table, links),
            "column_title": column_title,
            "value_label": lambda column, value: value_label(table, column, value, links),
        }
    return inner


NOUNS = {"findings": "finding", "economic_evaluations": "economic evaluation", "sources": "source",
         "recommendations": "recommendation", "considerations": "consideration", "questions": "module"}


def table_noun(table: str) -> str:
    """What one row of the table is called: "finding", or "row"."""
    return NOUNS.get(table, "row")


def by_certainty(results: list) -> list:
    """Facet values of certainty, most certain first."""
    return sorted(results, key=lambda r: -certainty_rank(r["value"]))


@hookimpl
def prepare_jinja2_environment(env):
    env.globals.update(column_title=column_title, table_noun=table_noun, by_certainty=by_certainty,
                       economic_value=economic_value)


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """Datasette's column facets counted in one pass or read from the build's counts
    (precomputed_facets.py); every other facet type kept."""
    outcome = yield
    outcome.force_result([[CountedColumnFacet if k is ColumnFacet else k for k in classes]
                          for classes in outcome.get_result()])


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):
    """A search with very many matches bounded to its first ones on pages (bounded_search.py)."""
    outcome = yield

    def bounded(result):
        async def inner():
            arguments = await await_me_maybe(result)
            return await bound(arguments, request, datasette, database) if arguments else arguments
        return inner

    outcome.force_result([bounded(result) for result in outcome.get_result()])


MOST_CERTAIN_FIRST = {"findings": "certainty_rank"}  # the table pages (HTML) that list the most certain first


def with_sort_column(query: bytes) -> bytes:
    """The query with the column it sorts by among the columns it selects: Datasette 0.65 reads the sort
    value of a page's last row for the next page's link, and a sort column left out by ``_col`` or
    ``_nocol`` was a 500 (KeyError) instead of a page. The column is added to ``_col`` (or taken out of
    ``_nocol``), so the page shows what it is sorted by; any other query is returned as it is."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    sort = next((v for k, v in pairs if k in ("_sort", "_sort_desc") and v), None)
    chosen = [v for k, v in pairs if k == "_col"]
    if sort is None or not ((chosen and sort not in chosen) or ("_nocol", sort) in pairs):
        return query
    pairs = [(k, v) for k, v in pairs if (k, v) != ("_nocol", sort)] + ([("_col", sort)] if chosen and sort not in chosen else [])
    return urlencode(pairs).encode("latin-1")
DEFAULT_SORT = "evidence_default_sort"  # the ASGI scope key that says which sort the wrapper added


# --- drawing only the columns a compact page shows ------------------------------------------------
# Datasette draws every cell of a table page, a render_cell call each (a finding has 70 columns), before
# the template picks the compact layout's few: on a compact page only those are drawn. The rows themselves
# (``rows``, raw) keep every column, and a cell drawn is drawn as before (tests/test_site_pages.py holds
# the two pages equal). The wrapper below says, per request, which table's compact columns to draw.
_drawing: ContextVar[Optional[tuple[str, frozenset]]] = ContextVar("evidence_compact_drawing", default=None)


CHOSEN_COLUMNS = ("_all", "_col", "_nocol")  # a page with any of these lists the columns asked for, not the compact few


def compact_columns(table: str, asked: Iterable[str]) -> Optional[list[tuple[str, str]]]:
    """The compact layout of the table's page, or None where the page lists every column (?_all=1) or the
    columns chosen (?_col=, ?_nocol=: Datasette's column chooser); ``asked``: the query's parameter names."""
    return None if any(name in CHOSEN_COLUMNS for name in asked) else COMPACT.get(table)


class _DrawnRow:
    """A row as Datasette draws it: the drawn columns' values when iterated, any column by name."""

    __slots__ = ("row", "values")

    def __init__(self, row, indexes: list[int]):
        self.row, self.values = row, [row[i] for i in indexes]

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, key):
        return self.row[key]

    def keys(self):
        return self.row.keys()


async def display_columns_and_rows(datasette, database_name, table_name, description, rows, *args, **kwargs):
    """Datasette's own (``every_column``), given only the compact columns on a compact page."""
    drawing = _drawing.get()
    if drawing is not None and drawing[0] == table_name:
        indexes = [i for i, d in enumerate(description) if d[0] in drawing[1]]
        description = [description[i] for i in indexes]
        rows = [_DrawnRow(row, indexes) for row in rows]
    return await display_columns_and_rows.every_column(datasette, database_name, table_name, description, rows,
                                                       *args, **kwargs)


def draw_compact_columns_only() -> None:
    """Datasette's table view draws its rows with ``display_columns_and_rows`` above (its row view
    imports Datasette's own by name and keeps it). Imported here, not at the top: Datasette loads this
    plugin while it imports its views."""
    from datasette.views import table as table_view

    if table_view.display_columns_and_rows is not display_columns_and_rows:
        display_columns_and_rows.every_column = table_view.display_columns_and_rows
        table_view.display_columns_and_rows = display_columns_and_rows


@hookimpl
def asgi_wrapper(datasette):
    """A findings table page without a sort of its own lists the most certain findings first (its
    downloads and JSON keep metadata.yml's order, which the exports share); a compact page draws only
    the columns it shows."""
    draw_compact_columns_only()

    def wrap(app):
        async def most_certain_first(scope, receive, send):
            if scope.get("type") == "http":
                parts = scope.get("path", "").strip("/").split("/")
                query = scope.get("query_string", b"")
                pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                asked = {k for k, _ in pairs}
                if (len(parts) == 2 and parts[1] in MOST_CERTAIN_FIRST and is_site_database(datasette, parts[0])
                        and not asked & {"_sort", "_sort_desc", "_next"}):
                    extra = f"_sort_desc={MOST_CERTAIN_FIRST[parts[1]]}".encode()
                    scope = {**scope, "query_string": query + b"&" + extra if query else extra,
                             DEFAULT_SORT: ("_sort_desc", MOST_CERTAIN_FIRST[parts[1]])}
                if len(parts) == 2 and is_site_database(datasette, parts[0]):
                    kept = with_sort_column(scope.get("query_string", b""))
                    if kept != scope.get("query_string", b""):
                        scope = {**scope, "query_string": kept}
                shown = len(parts) == 2 and compact_columns(parts[1], [k for k, v in pairs if v])
                if shown and is_site_database(datasette, parts[0]):
                    token = _drawing.set((parts[1], frozenset(column for column, _ in shown)))
                    try:
                        return await app(scope, receive, send)
                    finally:
                        _drawing.reset(token)
            await app(scope, receive, send)
        return most_certain_first
    return wrap
