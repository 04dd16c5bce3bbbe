"""Ready-made (canned) queries as pages a working group can use: a parameter that names a term (a
condition, an outcome, …) is a list of labelled choices, not a text box for an id; a query asked for
without it runs with a sensible default (the condition with the most GRADE-rated findings); the SQL stays behind a
"Show SQL" toggle (hide_sql in metadata.yml)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from datasette import hookimpl

from . import database_name, site_database
from .labels import COLUMN_KINDS, terms as site_terms

PARAMETER = re.compile(r"(?<![:\w]):(\w+)")
DEFAULTS = {  # a parameter's default when the address leaves it out: SQL giving one value
    "condition": "select condition from findings group by condition order by count(certainty) desc, count(*) desc, condition limit 1",
}


def add_args(url: str, args: dict) -> str:
    """``url`` with query-string arguments set (None removes one)."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in args]
    pairs += [(k, str(v)) for k, v in args.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def choices(datasette, parameter: str) -> list[tuple[str, str]]:
    """Labelled choices for a parameter that names a term, sorted by label; [] for any other."""
    kind = COLUMN_KINDS.get(parameter)
    if kind is None:
        return []
    terms = site_terms(datasette)
    return sorted(((i, terms.name(kind, i)) for i in terms.ids(kind)), key=lambda c: c[1].lower())


async def _default_redirect(datasette, scope) -> str | None:
    """Where to send a canned-query page asked for without a parameter that has a default."""
    path = scope.get("path", "")
    parts = path.strip("/").split("/")
    if len(parts) != 2 or "." in parts[1]:
        return None
    try:
        name = database_name(datasette)
    except (IndexError, KeyError):
        return None
    if parts[0] != datasette.get_database().route and parts[0] != name:
        return None
    query = await datasette.get_canned_query(name, parts[1], None)
    if not query:
        return None
    given = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    missing = {p: DEFAULTS[p] for p in PARAMETER.findall(query.get("sql", "")) if p in DEFAULTS and not given.get(p)}
    if not missing:
        return None
    for parameter, sql in missing.items():
        row = (await site_database(datasette).execute(sql)).first()
        if row is None:
            return None
        given[parameter] = row[0]
    return f"{path}?{urlencode(given)}"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_defaults(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method", "GET") == "GET":
                location = await _default_redirect(datasette, scope)
                if location:
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [(b"location", location.encode("utf-8")), (b"content-length", b"0")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)
        return with_defaults
    return wrap


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.globals.update(param_choices=lambda parameter: choices(datasette, parameter), add_args=add_args)
