"""The guideline in layers: /guideline lists the modules and their questions; /guideline/<id> shows a
question's recommendations by audience, then its rationale and considerations by criterion (folded),
then the conclusions it rests on with their certainty, each linking to its finding page."""

from __future__ import annotations

from itertools import groupby

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from . import database_name, named_rows


async def guideline(datasette, request):
    questions = await named_rows(datasette, "guideline_questions")
    html = await datasette.render_template("guideline.html", {"questions": questions, "database": database_name(datasette)},
                                           request=request)
    return Response.html(html)


async def question_page(datasette, request):
    qid = request.url_vars["id"]
    found = await named_rows(datasette, "question", {"id": qid})
    if not found:
        raise NotFound(f"No question {qid}")
    recommendations = await named_rows(datasette, "question_recommendations", {"id": qid})
    considerations = await named_rows(datasette, "question_considerations", {"id": qid})
    context = {
        "q": found[0],
        "audiences": [(key, list(group)) for key, group in groupby(recommendations, key=lambda r: r["audience_name"])],
        "criteria": [(key, list(group)) for key, group in groupby(considerations, key=lambda c: c["criterion_name"])],
        "conclusions": await named_rows(datasette, "question_conclusions", {"id": qid}),
        "database": database_name(datasette),
    }
    return Response.html(await datasette.render_template("question.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/guideline$", guideline), (r"^/guideline/(?P<id>[a-z0-9_]+)$", question_page)]

