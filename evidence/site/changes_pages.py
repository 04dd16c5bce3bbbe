"""What changed per release: /changes (the releases), /changes/<release> (added, changed, removed, by
table) and /changes.atom (an Atom feed, one entry per release), from the ``history`` table; and each
record's history for its row page (``record_history``)."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import groupby
from xml.sax.saxutils import escape

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from ..diff import TITLES
from . import PLUGIN_NAME, database_name, named_rows


async def changes(datasette, request):
    releases = await named_rows(datasette, "releases")
    html = await datasette.render_template("changes.html", {"releases": releases, "release": None,
                                                            "database": database_name(datasette)}, request=request)
    return Response.html(html)


async def release_page(datasette, request):
    release = request.url_vars["release"]
    rows = await named_rows(datasette, "release_changes", {"release": release})
    if not rows:
        raise NotFound(f"No release {release}")
    tables = [(TITLES.get(t, t), t, list(g)) for t, g in groupby(rows, key=lambda r: r["table_name"])]
    html = await datasette.render_template("changes.html", {"release": release, "released_at": rows[0]["released_at"],
                                                            "tables": tables, "database": database_name(datasette)}, request=request)
    return Response.html(html)


def _updated(date: str) -> str:
    return datetime.fromisoformat(date).replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def feed_base(datasette) -> tuple[str, str]:
    """(links, ids) of the feed: from the configured site address (metadata.yml, ``plugins: evidence:
    site_url:``), never from the request's Host header; without one, links relative to the feed and ids
    that name no host."""
    site = str((datasette.plugin_config(PLUGIN_NAME) or {}).get("site_url") or "").rstrip("/")
    if site:
        return site, site
    return datasette.urls.path("").rstrip("/"), "urn:x-work-participation-evidence"


async def atom(datasette, request):
    releases = await named_rows(datasette, "releases")
    base, ids = feed_base(datasette)
    title = escape(datasette.metadata("title") or "Work participation evidence")
    entries = []
    for r in releases:
        link = f"{base}/changes/{r['release']}"
        summary = f"{r['added']} added, {r['changed']} changed, {r['removed']} removed"
        entries.append(
            f"<entry><title>Release {escape(r['release'])}</title><id>{escape(ids)}/changes/{escape(r['release'])}</id>"
            f'<link href="{escape(link)}"/><updated>{_updated(r["released_at"])}</updated>'
            f"<summary>{escape(summary)}</summary></entry>")
    updated = _updated(releases[0]["released_at"]) if releases else "2000-01-01T00:00:00Z"
    feed = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}: changes</title><id>{escape(ids)}/changes.atom</id>"
            f'<link rel="self" href="{escape(base)}/changes.atom"/><link href="{escape(base)}/changes"/>'
            f"<updated>{updated}</updated><author><name>{title}</name></author>{''.join(entries)}</feed>\n")
    return Response(feed, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes():
    return [(r"^/changes$", changes), (r"^/changes\.atom$", atom), (r"^/changes/(?P<release>[0-9A-Za-z.+-]+)$", release_page)]


@hookimpl
def extra_template_vars(view_name, table, datasette):
    if view_name != "row":
        return None

    async def record_history(record_id: str) -> list[dict]:
        return await named_rows(datasette, "record_history", {"table": table, "id": record_id})

    return {"record_history": record_history}


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/changes"), "label": "What changed (releases)"}]
