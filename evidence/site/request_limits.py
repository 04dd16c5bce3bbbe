"""Limits on what one request may ask of the server, so that no request can stall the others.

Before Datasette sees a request, an ASGI wrapper refuses at once, with a short plain-text answer:

- a request target (path and query string) longer than ``MAX_TARGET`` bytes: 414;
- more than ``MAX_PARAMS`` query parameters, more than ``MAX_FACETS`` facets (``_facet``,
  ``_facet_array``, ``_facet_date``), or a ``_search`` longer than ``MAX_SEARCH`` characters: 400.

A 15-90 KB query string used to hold the event loop for seconds while Datasette parsed its filters;
now it costs one length check.

Every SQLite connection Datasette opens is capped too (``prepare_connection``): no string or blob a
query makes may exceed ``MAX_VALUE`` bytes (``SQLITE_LIMIT_LENGTH``: ``printf('%.*c', 1e9, 'x')`` or
``randomblob(1e9)`` fail at once instead of filling memory; ``sql_time_limit_ms`` does not stop a
single huge allocation), a statement is at most ``MAX_SQL`` bytes, and an authorizer refuses the
function ``fts3_tokenizer`` (it returns a pointer into the process, and with two arguments would
install one).
"""

from __future__ import annotations

import os
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


def refusal(scope: dict) -> Optional[tuple[int, str]]:
    """(status, message) when the request asks for too much, else None. Cheap: lengths and one parse
    of a query string already known to be short."""
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    query = scope.get("query_string") or b""
    if len(path) + len(query) > MAX_TARGET:
        return 414, f"Request URI too long: at most {MAX_TARGET} bytes of path and query string."
    if not query:
        return None
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_PARAMS)
    except ValueError:
        return 400, f"Too many query parameters: at most {MAX_PARAMS}."
    if sum(name in FACETS for name, _ in pairs) > MAX_FACETS:
        return 400, f"Too many facets: at most {MAX_FACETS}."
    for name, value in pairs:
        if (name == "_search" or name.startswith("_search_")) and len(value) > MAX_SEARCH:
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


@hookimpl
def asgi_wrapper(datasette):
    return limit_requests


def _authorizer(action: int, arg1: Optional[str], arg2: Optional[str], database: Optional[str],
                trigger: Optional[str]) -> int:
    if action == sqlite3.SQLITE_FUNCTION and arg2 and arg2.lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit_connection(conn: sqlite3.Connection) -> None:
    """Cap what one query on ``conn`` can make, and refuse the functions it must not call."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL)
    conn.set_authorizer(_authorizer)


@hookimpl
def prepare_connection(conn):
    limit_connection(conn)
