"""Downloads from a table page: .bib, .ris and .sof (Summary-of-Findings HTML) for the rows shown.

Datasette lists these output renderers beside json and CSV on findings, sources and economic
evaluation pages, keeping the page's filters; add _size=max for more than one page of rows.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from .. import bibliography, sof
from ..export import source_ids
from . import DATABASE

CITING_TABLES = ("findings", "sources", "economic_evaluations")


def _filters(table: str, rows) -> dict:
    """The rows on the page as filters: sources by id, findings and evaluations by their ids."""
    ids = [row["id"] for row in rows]
    return {"source": ids} if table == "sources" else {"id": ids}


def _can_cite(database, table) -> bool:
    return database == DATABASE and table in CITING_TABLES


async def _references(datasette, table, rows, ris: bool):
    filters = _filters(table, rows)

    def read(conn):
        raw = bibliography.entries(conn, source_ids(conn, filters) if rows else [])
        return bibliography.to_ris(raw) if ris else bibliography.to_bibtex(raw)

    text = await datasette.get_database(DATABASE).execute_fn(read)
    kind, suffix = ("application/x-research-info-systems", "ris") if ris else ("application/x-bibtex", "bib")
    return Response(text, content_type=f"{kind}; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{table}.{suffix}"'})


async def render_bib(datasette, table, rows):
    return await _references(datasette, table, rows, ris=False)


async def render_ris(datasette, table, rows):
    return await _references(datasette, table, rows, ris=True)


async def render_sof(datasette, table, rows):
    filters = {"id": [row["id"] for row in rows] or ["-"]}
    result = await datasette.get_database(DATABASE).execute_fn(lambda conn: sof.tables(conn, filters))
    return Response.html(sof.render(result, "html"))


@hookimpl
def register_output_renderer():
    return [
        {"extension": "bib", "render": render_bib, "can_render": _can_cite},
        {"extension": "ris", "render": render_ris, "can_render": _can_cite},
        {"extension": "sof", "render": render_sof,
         "can_render": lambda database, table: database == DATABASE and table == "findings"},
    ]
