"""The front page: "/" leads to the database page, which says what is inside and how to cite it."""

from __future__ import annotations

import json

from datasette import hookimpl
from datasette.utils.asgi import Response

from ..read import sql
from . import DATABASE


async def front_page_data(datasette) -> dict:
    db = datasette.get_database(DATABASE)
    info = (await db.execute(sql("build_info"))).first()
    return {
        "site": datasette.metadata(),  # the instance-level title, description and licence
        "conditions": [dict(r) for r in (await db.execute(sql("front_page_conditions"))).rows],
        "documents": [dict(r) for r in (await db.execute(sql("front_page_documents"))).rows],
        "build": dict(info) if info else {},
        "changes": [dict(r) for r in (await db.execute(sql("changes_summary"))).rows],
        "counts": json.loads(info["row_counts"]) if info else {},
    }


@hookimpl
def extra_template_vars(view_name, database, datasette):
    if view_name == "database" and database == DATABASE:
        async def inner():
            return {"front": await front_page_data(datasette)}
        return inner


async def home(datasette):
    return Response.redirect(datasette.urls.database(DATABASE))


@hookimpl
def register_routes():
    return [(r"^/$", home)]
