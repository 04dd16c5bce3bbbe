"""Downloads: the site's files are the command line's, written by the same writers from the export
registry, so the same filter gives the same bytes from `evidence export` and from the site.

One path, ``/download/<table>.<extension>?<filters>``: the filters are the command line's (condition,
certainty, intervention_type, outcome, source, id, each repeatable, and once=1), the file streams from a
spooled temporary file, and it is named after its filter (``findings-cancer-moderate.csv``). A table
page links every format of the registry that offers the table (CSV, JSON, Excel, Parquet, BibTeX, RIS,
the Summary-of-Findings page and its Word document, FHIR) there, with the page's filters translated to
the command line's.

The registry's formats also answer on the table's own address (``/evidence/findings.parquet``): with
filters the command line has, the whole filtered set, as ``/download`` writes it; with others (a
search, a column the command line does not filter on), the rows of the page, by id. An extension no
format has is a 404, never the HTML page.
"""

from __future__ import annotations

import re
import tempfile
from typing import Iterable, Optional
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from .. import exports
from ..problems import EvidenceError
from ..read import FILTERS, ONCE
from . import database_name, is_site_database, site_database

NOTHING = [""]  # an id no record has: a page without rows downloads an empty file, not everything
DATASETTE_OWN = ("csv", "json")  # Datasette's own formats on a table's address (its API)
# a table page's Datasette filter column -> the command line's filter (sources: its id is the source)
PAGE_COLUMNS = {"condition": "condition", "certainty": "certainty", "intervention_type": "intervention_type",
                "outcome": "outcome", "source_id": "source", "id": "id"}
IGNORED_ARGS = {"_next", "_size", "_stream", "_dl", "lang", "_all", "_facet", "_facet_size", "_labels", "_nocount",
                "_nofacet", "_sort", "_sort_desc", "_shape", "_col", "_nocol", "_trace"}
CHUNK = 1 << 16
SPOOL = 8 << 20  # bytes kept in memory before the spooled file goes to disk


ORDER = ("csv", "xlsx", "json", "parquet", "bib", "ris", "sof", "docx", "fhir")  # as the site lists them

def site_formats(table: str) -> list[exports.Format]:
    """The formats the site offers for ``table``: tables first, then bibliographies, SoF and FHIR."""
    return sorted(exports.site_formats(table),
                  key=lambda f: ORDER.index(f.site_extension) if f.site_extension in ORDER else len(ORDER))


def find(table: str, extension: str) -> Optional[exports.Format]:
    return next((f for f in exports.site_formats(table) if f.site_extension == extension), None)


def filters_of(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """/download's query string as the command line's filters; unknown names are an EvidenceError."""
    filters: dict[str, list[str]] = {}
    for key, value in pairs:
        if key == ONCE:  # once=1 leaves out repeats; once=0 keeps them where a format leaves them out (SoF)
            filters[ONCE] = ["1"] if value not in ("", "0", "false") else False
        elif key in FILTERS:
            filters.setdefault(key, []).append(value)
        else:
            raise EvidenceError(f"unknown filter '{key}'; filters: {', '.join((*FILTERS, ONCE))}")
    return filters


def page_filters(table: str, pairs: Iterable[tuple[str, str]]) -> Optional[dict[str, list[str]]]:
    """A table page's filters as the command line's, or None when the page filters on something the
    command line does not (a search, another column, an operator other than =, in or "once")."""
    filters: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in IGNORED_ARGS:
            continue
        if key == "same_result_as__isnull" and value in ("1", "true"):
            filters[ONCE] = ["1"]
            continue
        column, _, op = key.partition("__")
        name = ("id" if column == "id" else None) if table == "sources" else PAGE_COLUMNS.get(column)
        if name is None or op not in ("", "exact", "in") or name in filters:
            return None
        filters[name] = [v.strip() for v in value.split(",")] if op == "in" else [value]
    return filters


def query_string(filters: dict[str, list[str]]) -> str:
    return urlencode([(name, value) for name, values in filters.items() for value in values or ("0",)])


def file_name(table: str, filters: dict[str, list[str]], fmt: exports.Format) -> str:
    """``findings-cancer-moderate.csv``: the table and the filter's values, as a safe file name."""
    parts = [table, *(value if name != ONCE else "once" for name in sorted(filters) for value in filters[name] or ())]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(parts))[:120].strip("._-") or table
    return f"{stem}.{fmt.suffix}"


def headers(table: str, filters: dict[str, list[str]], fmt: exports.Format) -> dict[str, str]:
    inline = fmt.media_type.startswith("text/html")  # the Summary-of-Findings page opens in the browser
    return {"content-disposition": f'{"inline" if inline else "attachment"}; filename="{file_name(table, filters, fmt)}"'}


async def spooled(datasette, fmt: exports.Format, table: str, filters: dict):
    """The file, written by the registry's writer on the site's connection into a spooled temporary file."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        await site_database(datasette).execute_fn(lambda conn: fmt.write(conn, table, filters, {}, spool))
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


class Streamed:
    """A response that sends a (spooled) file in chunks."""

    def __init__(self, spool, content_type: str, headers: dict[str, str]):
        self.spool, self.content_type, self.headers = spool, content_type, headers

    async def asgi_send(self, send) -> None:
        head = [(b"content-type", self.content_type.encode()),
                *((k.encode(), v.encode()) for k, v in self.headers.items())]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        try:
            while chunk := self.spool.read(CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            self.spool.close()
        await send({"type": "http.response.body", "body": b""})


async def download(datasette, request):
    table, extension = request.url_vars["table"], request.url_vars["extension"]
    fmt = find(table, extension)
    metadata = bool(request.url_vars.get("metadata"))
    if fmt is None or (metadata and not fmt.sidecar):
        offered = ", ".join(f"{table}.{f.site_extension}" for f in exports.site_formats(table)) or "none"
        return Response.text(f"{request.path} is not a download; for {table}: {offered}", status=404)
    try:
        filters = filters_of(parse_qsl(request.query_string, keep_blank_values=True))
        if metadata:  # e.g. the CSVW metadata of the CSV download with these filters
            name = f"{table}.{extension}" + (f"?{request.query_string}" if request.query_string else "")
            content = await site_database(datasette).execute_fn(lambda conn: fmt.sidecar(conn, table, filters, {}, name))
            return Response(content, content_type="application/csvm+json")
        spool = await spooled(datasette, fmt, table, filters)
    except EvidenceError as e:
        return Response.text(f"{e}", status=400)
    described = headers(table, filters, fmt)
    if fmt.sidecar:  # where CSVW readers find the file's metadata (W3C CSVW, "Link header")
        path = datasette.urls.path(f"/download/{table}.{extension}-metadata.json")
        described["link"] = f'<{path}{"?" + request.query_string if request.query_string else ""}>; ' \
                            'rel="describedby"; type="application/csvm+json"'
    return Streamed(spool, fmt.media_type, described)


def links(datasette, request, table: str) -> Optional[list[dict]]:
    """A table page's downloads through /download, for its filters; None when the page filters on
    something the command line does not (the page then keeps Datasette's own links)."""
    filters = page_filters(table, parse_qsl(request.query_string, keep_blank_values=True))
    if filters is None:
        return None
    query = query_string(filters)
    return [{"name": f.site_title,
             "url": datasette.urls.path(f"/download/{table}.{f.site_extension}") + (f"?{query}" if query else ""),
             "file": not f.media_type.startswith("text/html"), "complete": True} for f in site_formats(table)]


def renderer(fmt: exports.Format) -> dict:
    extension, tables = fmt.site_extension, fmt.site_tables

    async def render(datasette, database, table, rows, request, view_name):
        # Datasette asks can_render only to show the link: any page may still ask for the extension
        if not is_site_database(datasette, database) or table not in tables or any(
                "id" not in row.keys() for row in rows):
            return Response.text(f".{extension} is not available for this page", status=404)
        filters = None if view_name != "table" else page_filters(table, parse_qsl(request.query_string,
                                                                                 keep_blank_values=True))
        if filters is None:  # the rows of the page (a row's page: that row), by id
            ids = [row["id"] for row in rows] or NOTHING
            filters = {"source": ids} if table == "sources" else {"id": ids}
        spool = await spooled(datasette, fmt, table, filters)
        with spool:
            content = spool.read()
        if fmt.media_type.startswith("text/html"):
            return Response.html(content.decode("utf-8"))
        return Response(content, content_type=fmt.media_type, headers=headers(table, filters, fmt))

    def can_render(table):
        return table in tables

    return {"extension": extension, "render": render, "can_render": can_render}


def not_a_format(datasette):
    """An ASGI wrapper: a table's address with an extension no format has is a 404, not the table page."""
    def wrap(app):
        async def refuse(scope, receive, send):
            if scope.get("type") == "http":
                match = re.fullmatch(r"/([^/.]+)/([^/.]+)\.(\w+)", scope.get("path", ""))
                if match and match.group(3) not in known(datasette) and is_site_path(datasette, match.group(1)):
                    body = f"{match.group(2)}.{match.group(3)}: no such format".encode()
                    await send({"type": "http.response.start", "status": 404,
                                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                            (b"content-length", str(len(body)).encode())]})
                    await send({"type": "http.response.body", "body": body})
                    return
            await app(scope, receive, send)
        return refuse
    return wrap


def known(datasette) -> set[str]:
    return {*DATASETTE_OWN, *datasette.renderers}


def is_site_path(datasette, database: str) -> bool:
    try:
        return database == database_name(datasette)
    except (IndexError, KeyError):
        return False


@hookimpl
def register_output_renderer():
    return [renderer(fmt) for fmt in exports.formats() if fmt.site_tables and fmt.site_extension not in DATASETTE_OWN]


@hookimpl
def register_routes():
    return [(r"^/download/(?P<table>[a-z_]+)\.(?P<extension>[a-z0-9]+)(?P<metadata>-metadata\.json)?$", download)]


@hookimpl
def asgi_wrapper(datasette):
    return not_a_format(datasette)
