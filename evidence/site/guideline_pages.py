"""The guideline in layers: /guideline lists the modules, each sub-module under its parent;
/guideline/<id> shows a module's recommendations by audience with each one's own evidence basis, its
sub-modules, its considerations in source order under their printed sub-headings (with the task table
where the module has one), then the conclusions of its literature summary, each linking to its finding
page. A sub-module shows its own considerations and points to its parent for what they share."""

from __future__ import annotations

import json
from itertools import groupby

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from ..guideline import conclusion_groups, consideration_sections
from . import database_name, named_rows


async def guideline(datasette, request):
    questions = await named_rows(datasette, "guideline_questions")
    children = {key: list(group) for key, group in groupby(sorted((q for q in questions if q["parent"]),
                                                                   key=lambda q: (q["parent"], q["position"])),
                                                            key=lambda q: q["parent"])}
    modules = [{**q, "submodules": children.get(q["id"], [])} for q in questions if not q["parent"]]
    html = await datasette.render_template("guideline.html", {"questions": modules, "database": database_name(datasette)},
                                           request=request)
    return Response.html(html)


async def question_page(datasette, request):
    qid = request.url_vars["id"]
    found = await named_rows(datasette, "question", {"id": qid})
    if not found:
        raise NotFound(f"No question {qid}")
    q = found[0]
    recommendations = [] if q["parent"] else await named_rows(datasette, "question_recommendations", {"id": qid})
    tasks = await named_rows(datasette, "module_tasks", {"id": qid})
    for task in tasks:
        task["expertise"], task["tools"] = json.loads(task["expertise"]), json.loads(task["tools"])
    context = {
        "q": q,
        "audiences": [(key, list(group)) for key, group in groupby(recommendations, key=lambda r: r["audience_name"])],
        "any_strength": any(r["strength"] or r["direction"] for r in recommendations),
        "sections": consideration_sections(await named_rows(datasette, "question_considerations", {"id": qid})),
        "tasks": [(key, list(group)) for key, group in groupby(tasks, key=lambda t: t["task"])],
        "submodules": await named_rows(datasette, "question_submodules", {"id": qid}),
        "conclusions": conclusion_groups([] if q["parent"] else await named_rows(datasette, "question_conclusions",
                                                                                  {"id": qid})),
        "texts": [] if q["parent"] else await named_rows(datasette, "module_texts", {"id": qid}),
        "database": database_name(datasette),
    }
    return Response.html(await datasette.render_template("question.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/guideline$", guideline), (r"^/guideline/(?P<id>[a-z0-9_]+)$", question_page)]
