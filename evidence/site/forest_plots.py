"""Forest plots of pooled findings as SVG at /forest/<finding id>.svg, drawn from the study rows."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from ..problems import EvidenceError
from . import site_database


async def forest_plot(datasette, request):
    from ..synthesis.stored import finding_forest  # matplotlib loads on the first plot

    finding_id = request.url_vars["id"]
    try:
        svg = await site_database(datasette).execute_fn(lambda conn: finding_forest(conn, finding_id))
    except EvidenceError as e:
        raise NotFound(str(e))
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


@hookimpl
def register_routes():
    return [(r"^/forest/(?P<id>[a-z0-9][a-z0-9_-]*)\.svg$", forest_plot)]
