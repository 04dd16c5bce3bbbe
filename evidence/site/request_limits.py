"""Limits on what one request may ask of the server, so that no request can stall the others.

Before Datasette sees a request, an ASGI wrapper refuses at once, with a short plain-text answer:

- a request target (path and query string) longer than ``MAX_TARGET`` bytes: 414;
- more than ``MAX_PARAMS`` query parameters, more than ``MAX_FACETS`` facets (``_facet``,
  ``_facet_array``, ``_facet_date``), or a ``_search`` longer than ``MAX_SEARCH`` characters: 400.

A 15-90 KB query string used to hold the event loop for seconds while Datasette parsed its filters;
now it costs one length check. This wrapper is the outermost (``trylast``): the language and cache
wrappers parsed a 500-parameter query string before it was refused (0.44 ms of CPU each, now 7 µs).

Every SQLite connection Datasette opens is capped too (``prepare_connection``): no string or blob a
query makes may exceed ``MAX_VALUE`` bytes (``SQLITE_LIMIT_LENGTH``: ``printf('%.*c', 1e9, 'x')`` or
``randomblob(1e9)`` fail at once instead of filling memory; ``sql_time_limit_ms`` does not stop a
single huge allocation), a statement is at most ``MAX_SQL`` bytes, and an authorizer refuses the
function ``fts3_tokenizer`` (it returns a pointer into the process, and with two arguments would
install one). ``printf`` and ``format`` refuse a width or precision over ``MAX_VALUE`` before they run
(``printf('%.*c', 2147483647, 'x')`` built its 2 GB string for seconds before the length limit
applied, out of reach of the time limit): the authorizer sees only a function's name, so each
connection's ``printf`` is a check of the format in front of SQLite's own.

A parameter with a NUL character, or a request for a debugging page a public read-only site does not
need (``DEBUG_PAGES``), is refused too (400, 404). Errors a request makes (a sort by an unknown column,
a ``_where`` with two statements, a search FTS5 cannot parse) answer 400 with their message, not 500
(``handle_exception``). A connection that has not sent its request's headers within
``HEADER_TIMEOUT`` seconds is closed (``TimedH11Protocol``: uvicorn waits for them forever).
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
import time
from typing import Any, Optional
from urllib.parse import parse_qsl

from datasette import hookimpl

from ..serve import SERVED_FROM, replaced

MAX_TARGET = 8192  # bytes of path and query string (a long hand-written SQL query fits)
MAX_PARAMS = 64
MAX_FACETS = 10  # the findings table has 5 configured facets
FACETS = ("_facet", "_facet_array", "_facet_date")
MAX_SEARCH = 500  # characters of a full-text search
MAX_VALUE = 100_000  # bytes of any one string or blob a query makes; the largest stored value is ~4 KB
MAX_SQL = 100_000  # bytes of one SQL statement
DENIED_FUNCTIONS = frozenset({"fts3_tokenizer"})
SEARCHES = ("q", "_search")  # the site's search page, and Datasette's table search (also _search_<column>)
# Datasette's debugging and introspection pages: none is needed to read the evidence
DEBUG_PAGES = frozenset(f"/-/{name}{ext}" for name in (
    "threads", "allow-debug", "messages", "actor", "permissions", "patterns", "plugins", "settings", "databases",
    "config", "create-token", "auth-token", "logout") for ext in ("", ".json"))
HEADER_TIMEOUT = 10.0  # seconds a connection may take to send a request's headers


def refusal(scope: dict) -> Optional[tuple[int, str]]:
    """(status, message) when the request asks for too much, else None. Cheap: lengths and one parse
    of a query string already known to be short."""
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    query = scope.get("query_string") or b""
    if len(path) + len(query) > MAX_TARGET:
        return 414, f"Request URI too long: at most {MAX_TARGET} bytes of path and query string."
    if scope.get("path", "").rstrip("/") in DEBUG_PAGES:
        return 404, "Not found."
    if not query:
        return None
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_PARAMS)
    except ValueError:
        return 400, f"Too many query parameters: at most {MAX_PARAMS}."
    if sum(name in FACETS for name, _ in pairs) > MAX_FACETS:
        return 400, f"Too many facets: at most {MAX_FACETS}."
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            return 400, "A query parameter contains a NUL character."
        if (name in SEARCHES or name.startswith("_search_")) and len(value) > MAX_SEARCH:
            return 400, f"Search text too long: at most {MAX_SEARCH} characters."
    return None


async def _refuse(send: Any, status: int, message: str) -> None:
    body = (message + "\n").encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


STALE_CHECK = 2.0  # seconds between two looks at whether a build replaced the served database
_stale = {"checked": 0.0, "said": False}


def stale_notice() -> None:
    """Say once, on standard error, that a build replaced the database `evidence serve` pinned at start
    (evidence.serve.pin): the server keeps serving that build, pages and downloads alike, until restarted."""
    now = time.monotonic()
    if _stale["said"] or now - _stale["checked"] < STALE_CHECK:
        return
    _stale["checked"] = now
    path = replaced(os.environ.get(SERVED_FROM))
    if path:
        _stale["said"] = True
        print(f"{path} was replaced by a new build; this server keeps serving the build it started with (pages "
              "and downloads alike): restart `evidence serve` to serve the new one", file=sys.stderr, flush=True)


def limit_requests(app: Any) -> Any:
    async def limited(scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            stale_notice()
            refused = refusal(scope)
            if refused:
                await _refuse(send, *refused)
                return
        await app(scope, receive, send)

    return limited


# table -> the column filters whose values are terms: an unknown one is a 400 naming the closest known value
TERM_FILTERS = {"findings": ("condition", "certainty", "intervention_type", "outcome", "source_id"),
                "economic_evaluations": ("condition", "intervention_type", "source_id")}


async def unknown_filter_value(datasette: Any, scope: dict) -> Optional[str]:
    """Why a table page's filter (``?condition=nosuch``, ``?certainty__exact=Moderate``) names no term, as
    `evidence export` says it (an empty page would read as "no evidence"); None when every value is known
    or the terms cannot be read. Reads the terms the labels plugin loads at start-up: no query."""
    import difflib

    from . import database_name
    from .labels import load, terms

    parts = scope.get("path", "").strip("/").split("/")
    if len(parts) != 2 or not scope.get("query_string"):
        return None
    table = parts[1].split(".")[0]
    try:
        if parts[0] != database_name(datasette) or table not in TERM_FILTERS:
            return None
    except (IndexError, KeyError):
        return None
    known = terms(datasette)
    if not known.names:  # a request before the start-up hooks ran (Datasette's test client)
        known = await load(datasette)
    if not known.names:
        return None
    for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        column = name[:-len("__exact")] if name.endswith("__exact") else name
        if column not in TERM_FILTERS[table] or not value:
            continue
        ids = list(known.sources) if column == "source_id" else known.ids(column)
        if value in ids:
            continue
        close = difflib.get_close_matches(value, ids, n=1, cutoff=0.6)
        what = "source id" if column == "source_id" else column
        return (f"'{value}' is not a known {what}" + (f" (did you mean '{close[0]}'?)" if close else
                f"; known: {', '.join(ids)}" if len(ids) <= 12 else f"; {len(ids)} known values, e.g. {', '.join(ids[:5])}"))
    return None


@hookimpl(trylast=True)  # called last, so applied last: the outermost wrapper, before any other reads the request
def asgi_wrapper(datasette):
    def wrapper(app: Any) -> Any:
        limited = limit_requests(app)

        async def checked(scope: dict, receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and refusal(scope) is None:
                problem = await unknown_filter_value(datasette, scope)
                if problem:
                    await _refuse(send, 400, problem + ".")
                    return
            await limited(scope, receive, send)

        return checked

    return wrapper


def _authorizer(action: int, arg1: Optional[str], arg2: Optional[str], database: Optional[str],
                trigger: Optional[str]) -> int:
    if action == sqlite3.SQLITE_FUNCTION and arg2 and arg2.lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


# one conversion of SQLite's printf: flags, width, precision, length modifiers, type (or %%)
CONVERSION = re.compile(r"%([-+ #!,0]*)(\*|[0-9]*)(?:\.(\*|[0-9]*))?(?:ll|l)?(.)", re.DOTALL)


def printf_problem(fmt: Any, args: tuple) -> Optional[str]:
    """Why SQLite's printf must not run this format: a width or precision over MAX_VALUE, written out or
    given by an argument (``*``). None when it may."""
    if not isinstance(fmt, str):
        return None
    used = 0
    for match in CONVERSION.finditer(fmt):
        if match.group(4) == "%":
            continue
        for size in (match.group(2), match.group(3)):
            if size == "*":
                value, used = (args[used] if used < len(args) else 0), used + 1
                try:
                    size = abs(int(value or 0))
                except (TypeError, ValueError):
                    size = 0
            if size and int(size) > MAX_VALUE:
                return f"a width or precision of at most {MAX_VALUE} (got {size})"
        used += 1
    return None


TOO_BIG = "x" * (MAX_VALUE + 1)  # a result SQLite refuses at once: "string or blob too big"


def guarded_printf(conn: sqlite3.Connection) -> Any:
    """printf/format for ``conn``: the format checked (printf_problem: a width that would be refused is
    refused before the string is made, with SQLite's message for a value over the limit), then SQLite's
    own printf, run on a private in-memory connection with the same length limit."""
    own = sqlite3.connect(":memory:", check_same_thread=False)
    own.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE)

    def printf(fmt: Any = None, *args: Any) -> Any:
        if printf_problem(fmt, args):  # SQLite refuses the value as too big, as it would the result
            return TOO_BIG
        marks = ", ".join("?" * (len(args) + 1))
        return own.execute(f"select printf({marks})", (fmt, *args)).fetchone()[0]

    return printf


def limit_connection(conn: sqlite3.Connection) -> None:
    """Cap what one query on ``conn`` can make, and refuse the functions it must not call."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL)
    conn.set_authorizer(_authorizer)
    printf = guarded_printf(conn)
    for name in ("printf", "format"):
        conn.create_function(name, -1, printf, deterministic=True)


# messages of errors a request makes (its sort, its _where, its search), not the server
CLIENT_ERRORS = re.compile(r"^(Cannot sort table by |Cannot use _sort and _sort_desc|You can only execute one statement|"
                           r"unterminated string|fts5: syntax error|fts5: parser stack overflow|"
                           r"fts5: expression tree is too large|no such column: |string or blob too big)")
REQUEST_SQL = ("_where", "_search", "q", "sql", "_sort", "_sort_desc")


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """A 400 with its message, on Datasette's error page, for an error the request made."""
    from datasette.handle_exception import handle_exception as default
    from datasette.views.base import DatasetteError

    message = getattr(exception, "message", None) or str(exception)
    asked = any(name in REQUEST_SQL or name.startswith("_search_") for name in request.args)
    if getattr(exception, "status", 500) != 500 or not CLIENT_ERRORS.match(message) or not asked:
        return None
    return default(datasette, request, DatasetteError(message, status=400))


def _timed_protocol() -> type:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        """uvicorn's h11 protocol, closing a connection whose request headers have not all come within
        HEADER_TIMEOUT seconds of its opening or of its previous response (uvicorn waits forever)."""

        header_timer: Optional[asyncio.TimerHandle] = None
        waiting_for: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.wait_for_headers()

        def wait_for_headers(self) -> None:
            self.waiting_for = self.cycle
            self.header_timer = self.loop.call_later(HEADER_TIMEOUT, self.headers_too_slow)

        def headers_too_slow(self) -> None:
            self.header_timer = None
            if self.cycle is self.waiting_for and not self.transport.is_closing():
                self.transport.close()

        def handle_events(self) -> None:
            super().handle_events()
            if self.header_timer is not None and self.cycle is not self.waiting_for:  # a request has begun
                self.header_timer.cancel()
                self.header_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.header_timer is None and not self.transport.is_closing():
                self.wait_for_headers()

        def connection_lost(self, exc: Optional[Exception]) -> None:
            if self.header_timer is not None:
                self.header_timer.cancel()
            super().connection_lost(exc)

    return TimedH11Protocol


def __getattr__(name: str) -> Any:
    """TimedH11Protocol, made when uvicorn asks for it (uvicorn is not loaded for a build or an export)."""
    if name == "TimedH11Protocol":
        globals()[name] = _timed_protocol()
        return globals()[name]
    raise AttributeError(name)


def timed_protocols() -> None:
    """Make uvicorn serve with TimedH11Protocol: the plugin calls this when uvicorn is loaded already, as under
    `datasette serve` (`evidence serve` names the protocol to uvicorn for each worker: evidence.serve.HTTP)."""
    import uvicorn.config

    for name in ("auto", "h11"):
        uvicorn.config.HTTP_PROTOCOLS[name] = f"{__name__}:TimedH11Protocol"


if "uvicorn.config" in sys.modules:  # `datasette serve`: uvicorn is loaded, and starts after the plugins
    timed_protocols()


@hookimpl
def prepare_connection(conn):
    limit_connection(conn)
