"""Data for a finding's row page, laid out as a Summary-of-Findings entry by the one presenter."""

from __future__ import annotations

from datasette import hookimpl

from ..presenter import present
from ..read import sql
from . import DATABASE


@hookimpl
def extra_template_vars(view_name, table, database, datasette):
    if view_name != "row" or table != "findings" or database != DATABASE:
        return None
    db = datasette.get_database(DATABASE)

    async def finding_context(finding_id: str) -> dict:
        source = (await db.execute(sql("finding_source"), {"id": finding_id})).first()
        siblings = (await db.execute(sql("finding_siblings"), {"id": finding_id})).rows
        questions = (await db.execute(sql("finding_questions"), {"id": finding_id})).rows
        return {"source": dict(source) if source else {}, "siblings": [dict(r) for r in siblings],
                "questions": [dict(r) for r in questions]}

    def view(row):
        return present(dict(row))

    return {"finding_context": finding_context, "finding_view": view}
