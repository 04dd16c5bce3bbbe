"""The evidence gap map at /gap-map: conditions × intervention types (grouped by family), and
/gap-map.json. A cell gives the number of findings and the highest certainty among them (symbol and
colour); an empty cell means nothing has been curated yet, not that there is no evidence."""

from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from ..read import sql
from ..vocabulary import scales
from . import database_name, site_database
from .labels import terms as site_terms

BY_RANK = {term["rank"]: level for level, term in scales().terms("certainty").items()}


def _tree_order(items: list[dict]) -> list[dict]:
    """Terms with each broader term followed by its narrower ones (depth-first, in vocabulary order),
    each with its depth."""
    children = defaultdict(list)
    ids = {i["id"] for i in items}
    for item in items:
        children[item["parent"] if item["parent"] in ids else None].append(item)
    ordered = []

    def visit(parent, depth):
        for item in children.get(parent, []):
            ordered.append({**item, "depth": depth})
            visit(item["id"], depth + 1)

    visit(None, 0)
    return ordered


async def gap_map_data(datasette) -> dict:
    db = site_database(datasette)
    names = site_terms(datasette)
    terms = defaultdict(list)
    for row in (await db.execute(sql("term_labels"))).rows:
        kind = row["kind"]
        terms[kind].append({"id": row["id"], "label": names.name(kind, row["id"]), "parent": row["parent"],
                            "family": row["family"]})
    pending = defaultdict(list)
    for row in (await db.execute(sql("gap_map_pending"))).rows:
        pending[(row["condition"], row["intervention_type"])].append(dict(row))
    found = {(r["condition"], r["intervention_type"]): r for r in (await db.execute(sql("gap_map_cells"))).rows}
    types = _tree_order(terms["intervention_type"])
    families = []
    for t in types:
        if not families or families[-1]["id"] != t["family"]:
            families.append({"id": t["family"], "label": names.name("intervention_type", t["family"]), "span": 0})
        families[-1]["span"] += 1
    rows = []
    for condition in _tree_order(terms["condition"]):
        cells = [_cell(condition["id"], t["id"], found.get((condition["id"], t["id"])),
                       pending.get((condition["id"], t["id"]), []), datasette)
                 for t in types]
        rows.append({"condition": condition, "cells": cells})
    certainty = [{"id": level, "name": names.name("certainty", level), "symbol": scales().term("certainty", level)["symbol"]}
                 for level in scales().ranked("certainty")]
    return {"intervention_types": [{k: t[k] for k in ("id", "label", "family", "depth")} for t in types],
            "families": families, "rows": rows, "certainty": certainty}


def _cell(condition: str, intervention_type: str, found, pending: list, datasette) -> dict:
    # the cell counts a result read in two documents once: its findings page lists each result once too
    held = sorted(json.loads(found["conditions"])) if found else [condition]  # a broader condition holds narrower ones
    where = {"condition": held[0]} if len(held) == 1 else {"condition__in": ",".join(held)}
    query = urlencode({**where, "intervention_type": intervention_type, "same_result_as__isnull": "1"})
    best = found["best_rank"] if found else 0
    # rated only in sources that do not count in overviews (superseded, awaiting): said, not hidden
    outside = found["top_rank"] if found and not best else None
    return {
        "condition": condition,
        "intervention_type": intervention_type,
        "findings": found["findings"] if found else 0,
        "best_certainty": BY_RANK.get(best),
        "outside_certainty": BY_RANK.get(outside),
        "pending": [{"id": p["id"], "label": p["label"], "status": p["status"]} for p in pending],
        "href": datasette.urls.table(database_name(datasette), "findings") + "?" + query,
    }


async def gap_map(datasette, request):
    data = await gap_map_data(datasette)
    if request.url_vars.get("format") == "json":
        return Response.json(data)
    html = await datasette.render_template("gap_map.html", {**data, "database": database_name(datasette)},
                                           request=request)
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/gap-map(\.(?P<format>json))?$", gap_map)]
