"""The evidence gap map at /gap-map: conditions × intervention types, and /gap-map.json."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from ..read import sql
from ..vocabulary import scales
from . import DATABASE


BY_RANK = {term["rank"]: level for level, term in scales().terms("certainty").items()}


async def gap_map_data(datasette) -> dict:
    db = datasette.get_database(DATABASE)
    terms = defaultdict(list)
    for row in (await db.execute(sql("term_labels"))).rows:
        terms[row["kind"]].append({"id": row["id"], "label": row["label"]})
    pending = defaultdict(list)
    for row in (await db.execute(sql("gap_map_pending"))).rows:
        pending[(row["condition"], row["intervention_type"])].append(dict(row))
    found = {(r["condition"], r["intervention_type"]): r for r in (await db.execute(sql("gap_map_cells"))).rows}
    rows = []
    for condition in terms["condition"]:
        cells = [_cell(condition["id"], t["id"], found.get((condition["id"], t["id"])),
                       pending.get((condition["id"], t["id"]), []), datasette)
                 for t in terms["intervention_type"]]
        rows.append({"condition": condition, "cells": cells})
    certainty = [{"id": level, "name": scales().name("certainty", level)} for level in scales().ranked("certainty")]
    return {"intervention_types": terms["intervention_type"], "rows": rows, "certainty": certainty}


def _cell(condition: str, intervention_type: str, found, pending: list, datasette) -> dict:
    query = urlencode({"condition": condition, "intervention_type": intervention_type})
    best = found["best_rank"] if found else 0
    return {
        "condition": condition,
        "intervention_type": intervention_type,
        "findings": found["findings"] if found else 0,
        "best_certainty": BY_RANK.get(best),
        "pending": [{"id": p["id"], "label": p["label"], "status": p["status"]} for p in pending],
        "href": datasette.urls.table(DATABASE, "findings") + "?" + query,
    }


async def gap_map(datasette, request):
    data = await gap_map_data(datasette)
    if request.url_vars.get("format") == "json":
        return Response.json(data)
    html = await datasette.render_template("gap_map.html", {**data, "database": DATABASE}, request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/gap-map(\.(?P<format>json))?$", gap_map)]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/gap-map"), "label": "Evidence gap map"}]
