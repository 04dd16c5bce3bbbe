"""Downloads: the site's files are the command line's, written by the same writers from the export
registry, so the same filter gives the same bytes from `evidence export` and from the site.

One path, ``/download/<table>.<extension>?<filters>``: the filters are the command line's (condition,
certainty, intervention_type, outcome, source, id, each repeatable, and once=1), and the file is named
after its filter (``findings-cancer-moderate.csv``). A table page links every format of the registry that
offers the table (CSV, JSON, Excel, Parquet, BibTeX, RIS, the Summary-of-Findings page and its Word
document, FHIR) there, with the page's filters translated to the command line's. A table's own CSV
stream (``/evidence/findings.csv?_stream=1&condition=cancer``, Datasette's link) with filters the command
line has is that download too: Datasette paged through it with a query per 1,000 rows, each re-reading
the filter's rows, so its time grew with the square of the rows.

A download is long beside a page, so it does not run where pages run: its writer runs on a thread of
its own (at most ``MAX_DOWNLOADS`` at once; ``MAX_WAITING`` more wait, and beyond that a 503 with
Retry-After), on a connection of its own to the served file, never holding one of Datasette's query
threads. A text format streams as it is written (the response starts with its first 64 KB, and the
writer waits while the client is slow); a binary one (a zip file: Excel, Word; Parquet) is written to a
spooled temporary file first, because a zip written to a stream is not the file `evidence export` writes.

The registry's formats also answer on the table's own address (``/evidence/findings.parquet``): with
filters the command line has, the whole filtered set, as ``/download`` writes it; with others (a
search, a column the command line does not filter on), the rows of the page, by id. An extension no
format has is a 404, never the HTML page.
"""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
import tempfile
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from .. import exports
from ..exports.tables import chunk_rows
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
MAX_DOWNLOADS = 3  # files written at once: a whole table being written leaves two for the small ones
MAX_WAITING = 16  # downloads that may wait for a writer; the next one is a 503
RETRY_AFTER = "10"  # seconds, in that 503
SWITCH_INTERVAL = 0.0005  # seconds a thread holds Python's lock before another may take it (5 ms by default)
ROWS = 500  # rows a download's writer reads at a time (tables.chunk_rows): short holds of Python's lock
QUEUED = 4  # chunks written ahead of the client before the writer waits for it
STALLED = 120  # seconds the writer waits for the response to take a chunk before it gives up
# Datasette's own arguments a table's ?_stream=1 CSV may carry and still be the download
STREAM_ARGS = {"_stream", "_dl", "_size", "_nofacet", "_nocount", "_facet", "_facet_size", "lang"}


ORDER = ("csv", "xlsx", "json", "parquet", "bib", "ris", "sof", "docx", "fhir")  # as the site lists them

def site_formats(table: str) -> list[exports.Format]:
    """The formats the site offers for ``table``: tables first, then bibliographies, SoF and FHIR."""
    return sorted(exports.site_formats(table),
                  key=lambda f: ORDER.index(f.site_extension) if f.site_extension in ORDER else len(ORDER))


def data_page_formats(table: str) -> list[exports.Format]:
    """The formats the /data page lists for ``table``. A document export (a bibliography, the SoF tables,
    FHIR) has no table: `evidence export bib` writes the works the filter's rows cite in every table, so
    findings.bib, economic_evaluations.bib and sources.bib are the same file. Each is listed once, with
    the first table that offers it (a table page still links it, for that page's filters)."""
    return [f for f in site_formats(table) if f.export == "table" or f.site_tables[0] == table]


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


class Busy(Exception):
    """Too many downloads are being written or waiting: answered 503 with Retry-After."""


class Writers:
    """The threads that write downloads, apart from Datasette's query threads, and how many downloads
    are written or waiting."""

    def __init__(self) -> None:
        self.pool: Optional[ThreadPoolExecutor] = None
        self.lock = threading.Lock()
        self.taken = 0

    def submit(self, fn: Callable[[], None]) -> None:
        with self.lock:
            if self.taken >= MAX_DOWNLOADS + MAX_WAITING:
                raise Busy()
            self.taken += 1
            if self.pool is None:
                self.pool = ThreadPoolExecutor(MAX_DOWNLOADS, thread_name_prefix="download")

        def run() -> None:
            try:
                fn()
            finally:
                with self.lock:
                    self.taken -= 1

        self.pool.submit(run)


WRITERS = Writers()
DONE = object()  # the end of a streamed file


class Cancelled(Exception):
    """The client went away: the writer stops."""


class Pipe(io.RawIOBase):
    """A binary file the writer thread writes to: every CHUNK bytes go to the event loop's queue, and the
    writer waits while QUEUED chunks are not yet sent."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue") -> None:
        super().__init__()
        self.loop, self.queue, self.buffer, self.cancelled = loop, queue, bytearray(), False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.hand_over()
        return len(data)

    def hand_over(self, item: Any = None) -> None:
        if self.cancelled:
            raise Cancelled()
        if self.buffer:
            chunk, self.buffer = bytes(self.buffer), bytearray()
            self.put(chunk)
        if item is not None:
            self.put(item)

    def put(self, item: Any) -> None:
        """Hand ``item`` to the response, waiting while QUEUED chunks wait; a response that takes none
        for STALLED seconds (never sent, or abandoned) stops the writer, which gives its thread back."""
        waiting = asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop)
        try:
            waiting.result(STALLED)
        except TimeoutError:
            waiting.cancel()
            self.cancelled = True
            raise Cancelled() from None


def connection(datasette) -> "closing[sqlite3.Connection]":
    """A read-only connection of the download's own to the file Datasette serves (the pinned build)."""
    path = Path(site_database(datasette).path).absolute()  # not resolved: the pinned link stays the build served
    return closing(sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True))


async def written(datasette, write: Callable[[sqlite3.Connection, Any], Any], out: Any) -> Any:
    """``write(conn, out)`` on a download thread with a connection of its own; its result."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()

    def run() -> None:
        try:
            with connection(datasette) as conn, chunk_rows(ROWS):
                result = write(conn, out)
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(result))
        except BaseException as e:  # noqa: B036 - handed to the request
            loop.call_soon_threadsafe(lambda: done.done() or done.set_exception(e))

    WRITERS.submit(run)
    return await done


async def spooled(datasette, fmt: exports.Format, table: str, filters: dict):
    """The file, written by the registry's writer into a spooled temporary file."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        await written(datasette, lambda conn, out: fmt.write(conn, table, filters, {}, out), spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


async def streamed(datasette, fmt: exports.Format, table: str, filters: dict) -> tuple[bytes, Any]:
    """The file's first chunk (so that a bad filter is a 400, not a broken 200) and the rest: the writer
    hands its chunks over as it writes them (``Pipe``)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(QUEUED)
    pipe = Pipe(loop, queue)

    def run() -> None:
        try:
            with connection(datasette) as conn, chunk_rows(ROWS):
                fmt.write(conn, table, filters, {}, pipe)
            pipe.hand_over(DONE)
        except Cancelled:
            pass
        except BaseException as e:  # noqa: B036 - raised where the response is sent
            if not pipe.cancelled:
                pipe.put(e)

    WRITERS.submit(run)
    first = await queue.get()
    if isinstance(first, BaseException):
        raise first
    return first, (queue, pipe)


class Streamed:
    """A response that sends a file in chunks: a spooled file, or the chunks a writer hands over."""

    def __init__(self, content_type: str, headers: dict[str, str], spool=None, first: bytes = b"", rest=None):
        self.content_type, self.headers, self.spool, self.first, self.rest = content_type, headers, spool, first, rest

    async def asgi_send(self, send) -> None:
        head = [(b"content-type", self.content_type.encode()),
                *((k.encode(), v.encode()) for k, v in self.headers.items())]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        if self.spool is not None:
            with self.spool:
                while chunk := self.spool.read(CHUNK):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        else:
            queue, pipe = self.rest
            try:
                item = self.first
                while item is not DONE:
                    if isinstance(item, BaseException):
                        raise item  # the connection closes without the end of the body: the client sees it
                    await send({"type": "http.response.body", "body": item, "more_body": True})
                    item = await queue.get()
            finally:  # the end, or the client went away: the writer stops waiting for it
                pipe.cancelled = True
                while not queue.empty():
                    queue.get_nowait()
        await send({"type": "http.response.body", "body": b""})


def busy() -> Response:
    return Response.text("Too many downloads are being written; try again in a few seconds.", status=503,
                         headers={"retry-after": RETRY_AFTER, "cache-control": "no-store"})


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
        if fmt.binary:  # a zip (or Parquet) file as `evidence export` writes it to a file: seekable
            spool, first, rest = await spooled(datasette, fmt, table, filters), b"", None
        else:
            spool, (first, rest) = None, await streamed(datasette, fmt, table, filters)
    except EvidenceError as e:
        return Response.text(f"{e}", status=400)
    except Busy:
        return busy()
    described = headers(table, filters, fmt)
    if fmt.sidecar:  # where CSVW readers find the file's metadata (W3C CSVW, "Link header")
        path = datasette.urls.path(f"/download/{table}.{extension}-metadata.json")
        described["link"] = f'<{path}{"?" + request.query_string if request.query_string else ""}>; ' \
                            'rel="describedby"; type="application/csvm+json"'
    return Streamed(fmt.media_type, described, spool=spool, first=first, rest=rest)


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
        try:
            spool = await spooled(datasette, fmt, table, filters)
        except Busy:
            return busy()
        with spool:
            content = spool.read()
        if fmt.media_type.startswith("text/html"):
            return Response.html(content.decode("utf-8"))
        return Response(content, content_type=fmt.media_type, headers=headers(table, filters, fmt))

    def can_render(table):
        return table in tables

    return {"extension": extension, "render": render, "can_render": can_render}


def as_download(scope: dict, table: str) -> Optional[dict]:
    """The request of a table's ``.csv?_stream=1`` with filters the command line has, as the /download
    request of the same file (None when it asks for more: a search, a sort, other columns, labels)."""
    pairs = parse_qsl((scope.get("query_string") or b"").decode("latin-1"), keep_blank_values=True)
    if ("_stream", "1") not in pairs or find(table, "csv") is None:
        return None
    columns = [(k, v) for k, v in pairs if k not in STREAM_ARGS]
    if any(k.startswith("_") for k, _ in columns):
        return None
    filters = page_filters(table, columns)
    if filters is None:
        return None
    path = f"/download/{table}.csv"
    return {**scope, "path": path, "raw_path": path.encode(), "query_string": query_string(filters).encode()}


def not_a_format(datasette):
    """An ASGI wrapper: a table's address with an extension no format has is a 404, not the table page;
    a table's CSV stream with the command line's filters is that download."""
    def wrap(app):
        async def refuse(scope, receive, send):
            if scope.get("type") == "http":
                match = re.fullmatch(r"/([^/.]+)/([^/.]+)\.(\w+)", scope.get("path", ""))
                if match and match.group(3) == "csv" and is_site_path(datasette, match.group(1)):
                    download_scope = as_download(scope, match.group(2))
                    if download_scope is not None:
                        await app(download_scope, receive, send)
                        return
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


sys.setswitchinterval(SWITCH_INTERVAL)  # the pages' threads wait less behind a download's
