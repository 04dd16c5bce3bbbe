"""Downloads from a table page, from the export registry: every format that names the table in its
``site_tables`` (.bib, .ris, .xlsx, .sof, …) is offered beside JSON and CSV.

Datasette keeps the page's filters; the page links each download with _size=max (every row up to
max_returned_rows, and says so when the set is larger) and CSV with _stream=1 (every row). Files arrive
as attachments (content-disposition); the Summary-of-Findings page opens in the browser. The writers
stream; here they write to a buffer, which the page size bounds.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from .. import exports
from . import is_site_database, site_database

NOTHING = [""]  # an id no record has: a page without rows downloads an empty file, not everything


def _filters(table: str, rows) -> dict:
    """The rows on the page as filters: sources by id, findings and evaluations by their ids."""
    ids = [row["id"] for row in rows] or NOTHING
    return {"source": ids} if table == "sources" else {"id": ids}


def renderer(fmt: exports.Format) -> dict:
    async def render(datasette, database, table, rows):
        # Datasette asks can_render only to show the link: any page may still ask for the extension
        if not is_site_database(datasette, database) or table not in fmt.site_tables or any(
                "id" not in row.keys() for row in rows):
            return Response.text(f".{fmt.site_extension} is not available for this page", status=404)
        filters = _filters(table, rows)
        content, _ = await site_database(datasette).execute_fn(
            lambda conn: exports.render(fmt, conn, table, filters))
        if fmt.media_type.startswith("text/html"):
            return Response.html(content.decode("utf-8"))
        return Response(content, content_type=fmt.media_type,
                        headers={"content-disposition": f'attachment; filename="{table}.{fmt.suffix}"'})

    def can_render(table):
        return table in fmt.site_tables

    return {"extension": fmt.site_extension, "render": render, "can_render": can_render}


@hookimpl
def register_output_renderer():
    return [renderer(fmt) for fmt in exports.formats() if fmt.site_tables]
