"""Condition pages at /condition/<id>: everything known for one condition in one place — what is known
(per comparison, its most certain findings first, the rest in the findings table), the guideline's
recommendations that apply, the economic evaluations, ongoing and awaiting studies, and the gaps
(searched-for-but-nothing-found findings and intervention types with nothing curated yet)."""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import groupby

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from ..presenter import effect_text
from . import bound, database_name, named_rows
from .finding_page import unique_recommendations
from .labels import terms as site_terms


PER_COMPARISON = 10  # findings listed per comparison (metadata.yml: condition_findings_per_comparison)


def comparisons(groups: list[dict], findings: list[dict]) -> list[dict]:
    """Findings grouped per comparison (intervention type), in the order of ``groups`` (the one with the
    most certain finding first, then the one with most findings); within a group most certain first.
    Each group says how many findings it has in all (``total``), of which ``findings`` are listed."""
    listed = defaultdict(list)
    for f in findings:
        f["effect_text"] = effect_text(f) if f["effect"] is not None else ""
        listed[f["intervention_type"]].append(f)
    return [{"intervention_type": g["intervention_type"], "total": g["findings"],
             "findings": listed[g["intervention_type"]]} for g in groups]


def empty_types(datasette, groups: list[dict]) -> list[dict]:
    """Intervention types without findings for the condition, by family (the gap-map row's empty cells)."""
    names = site_terms(datasette)
    present = {g["intervention_type"] for g in groups}
    families = defaultdict(list)
    for t in names.ids("intervention_type"):
        if t not in present:
            families[names.family("intervention_type", t)].append(t)
    return [{"family": family, "types": types} for family, types in families.items()]


async def condition_page(datasette, request):
    cid = request.url_vars["id"]
    found = await named_rows(datasette, "condition", {"id": cid})
    if not found:
        raise NotFound(f"No condition {cid}")
    condition = found[0]
    groups = await named_rows(datasette, "condition_comparisons", {"id": cid})
    per = bound(datasette, "condition_findings_per_comparison", PER_COMPARISON)
    findings = await named_rows(datasette, "condition_findings", {"id": cid, "per": per})
    questions = await named_rows(datasette, "condition_questions", {"id": cid})
    recommendations = await named_rows(datasette, "condition_recommendations",
                                  {"ids": json.dumps([q["id"] for q in questions])})
    by_question = {key: list(group) for key, group in groupby(recommendations, key=lambda r: r["question_id"])}
    modules = {q["id"]: q for q in questions}
    for q in questions:
        q["recommendations"] = by_question.get(q["id"], [])
    specific = [{**r, "recommendation_id": r["id"], "module": modules[r["question_id"]]["module"],
                 "module_en": modules[r["question_id"]]["module_en"]}
                for r in recommendations if not modules[r["question_id"]]["for_every_condition"]]
    context = {
        "condition": condition,
        "narrower": json.loads(condition["narrower"] or "[]"),
        "counts": {"findings": sum(g["findings"] for g in groups), "graded": sum(g["graded"] for g in groups)},
        "comparisons": comparisons(groups, findings),
        "questions": [q for q in questions if not q["for_every_condition"]],
        "recommendations": unique_recommendations(specific),
        "generic_questions": [q for q in questions if q["for_every_condition"]],
        "evaluations": await named_rows(datasette, "condition_evaluations", {"id": cid}),
        "pending": await named_rows(datasette, "condition_pending", {"id": cid}),
        "new_in_release": await named_rows(datasette, "condition_new_in_release", {"id": cid}),
        "no_evidence": await named_rows(datasette, "condition_no_evidence", {"id": cid}),
        "empty_types": empty_types(datasette, groups),
        "database": database_name(datasette),
    }
    return Response.html(await datasette.render_template("condition.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/condition/(?P<id>[a-z0-9_]+)$", condition_page)]
