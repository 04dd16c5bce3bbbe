"""Data for a finding's row page, laid out as a Summary-of-Findings entry."""

from __future__ import annotations

from datasette import hookimpl

from ..queries import sql
from ..schema import GRADE_DOMAINS, GRADE_UPGRADES
from . import DATABASE

JUDGEMENTS = {0: "no serious concern", -1: "serious (−1)", -2: "very serious (−2)"}
UPGRADES = {0: "none", 1: "rated up (+1)", 2: "rated up (+2)"}


def domains(row) -> list[dict]:
    """Each GRADE domain with its judgement in words and its footnote (row: a mapping or sqlite3.Row)."""
    finding, rows = dict(row), []
    for name in GRADE_DOMAINS:
        value = finding.get(name)
        rows.append({"domain": name.replace("_", " "), "judgement": JUDGEMENTS.get(value, "not reported"),
                     "value": value, "note": finding.get(f"{name}_note")})
    for name in GRADE_UPGRADES:
        if finding.get(name) is not None:
            rows.append({"domain": name.replace("_", " "), "judgement": UPGRADES[finding[name]],
                         "value": finding[name], "note": None})
    return rows


@hookimpl
def extra_template_vars(view_name, table, database, datasette):
    if view_name != "row" or table != "findings" or database != DATABASE:
        return None
    db = datasette.get_database(DATABASE)

    async def finding_context(finding_id: str) -> dict:
        source = (await db.execute(sql("finding_source"), {"id": finding_id})).first()
        siblings = (await db.execute(sql("finding_siblings"), {"id": finding_id})).rows
        return {"source": dict(source) if source else {}, "siblings": [dict(r) for r in siblings]}

    return {"finding_context": finding_context, "grade_domains": domains}
