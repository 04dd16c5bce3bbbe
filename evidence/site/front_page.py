"""The front page at "/": what is inside, and a way in for each reader — by condition, the guideline's
recommendations, the gap map, search, and the downloads and API (/data). Datasette's own database
page (tables and SQL) stays at /<database> for those who want it."""

from __future__ import annotations

import json

from datasette import hookimpl
from datasette.utils import await_me_maybe
from datasette.utils.asgi import Response

from ..titles import TABLE_TITLES, tables, title as table_title
from . import database_name, named_rows, site_database
from ..exports import site_title
from .downloads import data_page_formats

DATA_TABLES = tables("listed")  # evidence/titles.py
SEARCH_ALL = "search_all"  # datasette-search-all's name as a plugin (its entry point)
__all__ = ["TABLE_TITLES", "table_title"]


def first_build(changes: list[dict], counts: dict) -> bool:
    """Whether the changes are those of a first build: every record of every table it names added, none
    changed or removed (there was no previous build to compare with)."""
    return bool(changes) and all(c["change"] == "added" and c["records"] == counts.get(c["table_name"]) for c in changes)


async def front_page_data(datasette) -> dict:
    info = (await named_rows(datasette, "build_info") or [{}])[0]
    changes = await named_rows(datasette, "changes_summary")
    counts = json.loads(info["row_counts"]) if info.get("row_counts") else {}
    return {
        "conditions": await named_rows(datasette, "front_page_conditions"),
        "documents": await named_rows(datasette, "front_page_documents"),
        "build": info,
        "changes": [] if first_build(changes, counts) else changes,  # nothing is "new" in a first build
        "counts": counts,
        "modules": (await named_rows(datasette, "front_page_guideline"))[0],
    }


async def front_page(datasette, request):
    context = {"front": await front_page_data(datasette), "database": database_name(datasette)}
    return Response.html(await datasette.render_template("front_page.html", context, request=request))


async def data_page(datasette, request):
    db = site_database(datasette)
    tables = []
    for table in DATA_TABLES:
        if not await db.table_exists(table):
            continue
        count = (await db.execute(f"select count(*) from [{table}]")).first()[0]
        formats = [(f.site_title, f.site_extension) for f in data_page_formats(table)]
        tables.append({"table": table, "title": table_title(table), "count": count, "formats": formats})
    context = {"tables": tables, "database": db.name, "max_rows": datasette.setting("max_returned_rows"),
               "base": datasette.absolute_url(request, "/").rstrip("/")}  # curl needs absolute addresses
    return Response.html(await datasette.render_template("data_page.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/$", front_page), (r"^/data$", data_page)]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    def site_meta() -> dict:
        return datasette.metadata() or {}

    async def build_info() -> dict:
        """Which release (or build) every page shows, and the content hash to cite it by."""
        return (await named_rows(datasette, "build_info") or [{}])[0]

    async def footer_links(request) -> list[dict]:
        """The links of Datasette's menu (``menu_links()``), but for datasette-search-all's: its
        /-/search is this site's /search, and asking it checked every table's permissions on every page."""
        from datasette.plugins import pm  # imported here: Datasette loads this plugin while it imports pm

        search_all = pm.get_plugin(SEARCH_ALL)
        links = []
        for hook in pm.subset_hook_caller("menu_links", remove_plugins=[search_all] if search_all else [])(
                datasette=datasette, actor=request.actor if request else None, request=request or None):
            links.extend(await await_me_maybe(hook) or [])
        return links

    env.globals.update(site_meta=site_meta, table_title=table_title, format_name=site_title,
                       build_info=build_info, footer_links=footer_links)
