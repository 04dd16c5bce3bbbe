"""Document pages at /documents/<slug>: the documents the quotes were read in, by their titles (never
their file names), with every finding, economic evaluation and guideline text quoted from each. The
document of the published papers themselves (their abstracts and Cochrane Summary-of-Findings
tables) lists its records by the paper each comes from, with that paper's citation."""

from __future__ import annotations

import json
from itertools import groupby

from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Response

from . import database_name, named_rows
from .labels import slug, terms as site_terms


def document_for(datasette, given: str) -> str | None:
    ids = site_terms(datasette).ids("document")
    given = tilde_decode(given)
    return given if given in ids else next((d for d in ids if slug(d) == given), None)


async def document_page(datasette, request):
    document = document_for(datasette, request.url_vars["slug"])
    found = await named_rows(datasette, "document", {"id": document}) if document else []
    if not found:
        raise NotFound("No such document")
    records = await named_rows(datasette, "document_records", {"id": document})
    sources = {s["id"]: s for s in await named_rows(datasette, "sources_by_ids",
                                                {"ids": json.dumps(sorted({r["source_id"] for r in records}))})}
    context = {
        "document": found[0],
        "papers": document in site_terms(datasette).published,
        "by_source": [(sources.get(key, {"id": key, "label": key}), list(group))
                      for key, group in groupby(records, key=lambda r: r["source_id"])],
        "modules": await named_rows(datasette, "document_guideline", {"id": document}),
        "database": database_name(datasette),
    }
    return Response.html(await datasette.render_template("document.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/documents/(?P<slug>[^/]+)$", document_page)]
