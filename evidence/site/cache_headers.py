"""HTTP caching: every page of a database that never changes can be kept by a browser, proxy or CDN.

An ASGI wrapper gives each successful GET (or HEAD) of a page of immutable databases an ``ETag`` and a
``Cache-Control``, and answers a matching ``If-None-Match`` with 304 before Datasette does any work:

- the ETag is content-addressed: a digest of each database's ``build_info.content_hash`` (its inputs
  and the code that built it) and ``release``, of the serving code (this package's files, Datasette's
  version, the metadata) and of the interface language, so no two different bodies of one address
  share an ETag;
- a release (``build_info.release`` set: a released database never changes) gets
  ``public, max-age=31536000, immutable``; serve each release at an address of its own;
- a plain build gets ``public, max-age=60``: short, because the next build is served at the same
  address, and revalidated cheaply with the ETag (304, no body).

A request that carries a cookie (the language is remembered in one) gets ``private`` instead of
``public``, so shared caches keep only the pages every visitor is shown; ``Vary: Cookie`` says so.
Left alone: errors and redirects, responses that set a cookie (``?lang=``), Datasette's own ``/-/``
pages but its static files, and any mutable database (its pages can change between requests).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Optional

from datasette import hookimpl

from .i18n import choose

RELEASE = b"public, max-age=31536000, immutable"
BUILD = b"public, max-age=60"
DROPPED = {b"cache-control", b"etag", b"expires", b"last-modified"}  # set here instead
PACKAGE = Path(__file__).resolve().parent.parent
UNKNOWN = object()


def cacheable(scope: dict) -> bool:
    """A GET or HEAD of a page whose body depends on nothing but the address, the data and the language."""
    if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD"):
        return False
    path = scope.get("path", "")
    if path.startswith("/-/") and not path.startswith(("/-/static/", "/-/static-plugins/")):
        return False  # /-/threads, /-/actor and the like describe the server or the visitor
    if scope.get("evidence.sets_cookie"):  # i18n, wrapping this one, took ?lang= out and sets a cookie
        return False
    query = scope.get("query_string") or b""
    return not any(part.split(b"=")[0] == b"lang" for part in query.split(b"&"))  # it sets a cookie


def serving_code(datasette: Any) -> bytes:
    """What the pages are rendered with: this package's files, Datasette's version and the metadata."""
    from datasette.version import __version__

    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(datasette.metadata(), sort_keys=True, default=str).encode())
    return digest.digest()


async def database_state(datasette: Any) -> Optional[tuple[str, bool]]:
    """(digest of every served database's build, whether all are releases), or None when any database
    is mutable or lacks build_info: then nothing is cached."""
    digest, releases = hashlib.sha256(serving_code(datasette)), True
    for name, db in sorted(datasette.databases.items()):
        if name.startswith("_"):
            continue  # Datasette's own in-memory databases
        if db.is_mutable:
            return None
        try:
            rows = (await db.execute("select content_hash, release from build_info")).rows
        except Exception:  # not an evidence database
            return None
        if len(rows) != 1 or not rows[0][0]:
            return None
        digest.update(f"{name}\0{rows[0][0]}\0{rows[0][1] or ''}\0".encode())
        releases = releases and bool(rows[0][1])
    return digest.hexdigest()[:32], releases


def header(scope: dict, name: bytes) -> Optional[bytes]:
    return next((value for key, value in scope.get("headers", []) if key == name), None)


def etag_for(base: str, scope: dict) -> bytes:
    """The ETag of this request's body: the databases' digest and the interface language."""
    lang = scope.get("evidence.lang")  # set by i18n when it wraps this one
    if lang is None:
        lang = choose(b"", (header(scope, b"cookie") or b"").decode("latin-1"))[0]
    return f'"{base}-{lang}"'.encode()


def matches(if_none_match: Optional[bytes], etag: bytes) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


def cache_control(app: Any, datasette: Any) -> Any:
    state: Any = UNKNOWN  # read at the first request: nothing is added to start-up

    async def cached(scope: dict, receive: Any, send: Any) -> None:
        nonlocal state
        if not cacheable(scope):
            await app(scope, receive, send)
            return
        if state is UNKNOWN:
            state = await database_state(datasette)
        if state is None:
            await app(scope, receive, send)
            return
        etag = etag_for(state[0], scope)
        policy = RELEASE if state[1] else BUILD
        if header(scope, b"cookie"):
            policy = policy.replace(b"public", b"private")
        headers = [(b"cache-control", policy), (b"etag", etag)]
        if matches(header(scope, b"if-none-match"), etag):
            await send({"type": "http.response.start", "status": 304, "headers": [*headers, (b"vary", b"Cookie")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_headers(event: dict) -> None:
            if event["type"] == "http.response.start" and event.get("status") == 200:
                kept = list(event.get("headers") or [])
                if not any(key.lower() == b"set-cookie" for key, _ in kept):
                    varies = b", ".join(v for k, v in kept if k.lower() == b"vary")
                    kept = [(k, v) for k, v in kept if k.lower() not in DROPPED and k.lower() != b"vary"] + headers
                    kept.append((b"vary", varies + b", Cookie" if varies and b"cookie" not in varies.lower()
                                 else varies or b"Cookie"))
                    event = {**event, "headers": kept}
            await send(event)

        await app(scope, receive, with_headers)

    return cached


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: cache_control(app, datasette)
