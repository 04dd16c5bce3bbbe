"""The guideline in layers: /guideline lists the modules, each sub-module under its parent;
/guideline/<id> shows a module's recommendations by audience with each one's own evidence basis, its
sub-modules, its considerations in source order under their printed sub-headings (with the task table
where the module has one), then the conclusions of its literature summary, each linking to its finding
page. A sub-module shows its own considerations and points to its parent for what they share."""

from __future__ import annotations

import json
import re
from itertools import groupby

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from ..guideline import conclusion_groups, consideration_sections
from ..presenter import certainty_text
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


def linked(text: str, modules: list[tuple[str, str]]) -> Markup:
    """Text with the names of other modules it points to ("Sub module: Informatievoorziening patiënt",
    "module Organisatie van arbeidsgerichte zorg") linked to their pages."""
    result = str(escape(text))
    urls: dict[str, str] = {}
    for title, url in modules:
        urls.setdefault(str(escape(title)), url)
    if not urls:
        return Markup(result)
    # one pass, the longest name first: a name inside a longer one ("Werk" in "Werk en zorg") is not linked
    # again inside the longer one's link
    names = re.compile("|".join(re.escape(title) for title in sorted(urls, key=len, reverse=True)))
    return Markup(names.sub(lambda m: f'<a href="{escape(urls[m.group(0)])}">{m.group(0)}</a>', result))


def nested(items: list, modules: list[tuple[str, str]]) -> Markup:
    """A nested list as printed, as nested <ul>: a string is an item, a list the items under the one before."""
    parts = ["<ul>"]
    for i, item in enumerate(items):
        if isinstance(item, list):
            continue
        following = items[i + 1] if i + 1 < len(items) and isinstance(items[i + 1], list) else None
        parts.append(f"<li>{linked(item, modules)}{nested(following, modules) if following else ''}</li>")
    return Markup("".join(parts) + "</ul>")


async def question_page(datasette, request):
    qid = request.url_vars["id"]
    found = await named_rows(datasette, "question", {"id": qid})
    if not found:
        raise NotFound(f"No question {qid}")
    q = found[0]
    recommendations = [] if q["parent"] else await named_rows(datasette, "question_recommendations", {"id": qid})
    others = [(m[key], datasette.urls.path(f"/guideline/{m['id']}")) for m in await named_rows(datasette, "guideline_questions")
              if m["id"] != qid for key in ("module", "module_en") if m[key]]
    for r in recommendations:
        r["html"] = nested(json.loads(r["items"]), others) if r["items"] else linked(r["text"], others)
        r["html_en"] = linked(r["text_en"], others) if r["text_en"] else None
    tasks = await named_rows(datasette, "module_tasks", {"id": qid})
    for task in tasks:
        task["expertise"], task["tools"] = json.loads(task["expertise"]), json.loads(task["tools"])
    context = {
        "q": q,
        "audiences": [(key, list(group)) for key, group in groupby(recommendations, key=lambda r: r["audience_name"])],
        "any_strength": any(r["strength"] or r["direction"] for r in recommendations),
        "sections": consideration_sections([{**c, "html": nested(json.loads(c["items"]), []) if c["items"] else None}
                                            for c in await named_rows(datasette, "question_considerations", {"id": qid})]),
        "tasks": [(key, list(group)) for key, group in groupby(tasks, key=lambda t: t["task"])],
        "submodules": await named_rows(datasette, "question_submodules", {"id": qid}),
        "conclusions": conclusion_groups([] if q["parent"] else await named_rows(datasette, "question_conclusions",
                                                                                  {"id": qid})),
        "texts": [] if q["parent"] else await named_rows(datasette, "module_texts", {"id": qid}),
        "new_evidence": await named_rows(datasette, "module_new_evidence", {"id": qid}),
        "database": database_name(datasette),
    }
    return Response.html(await datasette.render_template("question.html", context, request=request))


async def question_feed(datasette, request):
    """/guideline/<id>.atom: the module's new evidence (module_new_evidence.sql), one entry per finding and
    release, newest first, for a working group to follow its module."""
    qid = request.url_vars["id"]
    found = await named_rows(datasette, "question", {"id": qid})
    if not found:
        raise NotFound(f"No question {qid}")
    q = found[0]
    base = str(request.url).split("/guideline/")[0]
    page = f"{base}{datasette.urls.path('/guideline/' + qid)}"
    rows = await named_rows(datasette, "module_new_evidence", {"id": qid})
    updated = rows[0]["released_at"] if rows else (q["last_authorised"] or "2000-01-01")
    entries = "".join(
        f"<entry><id>urn:evidence:{escape(qid)}:{escape(r['id'])}:{escape(r['release'])}</id>"
        f"<title>{escape(r['statement'])}</title><updated>{escape(r['released_at'])}T00:00:00Z</updated>"
        f'<link href="{escape(base + datasette.urls.path("/evidence/findings/" + r["id"]))}"/>'
        f"<summary>{escape(certainty_text(r['certainty']))}; {escape(r['change'])} in release {escape(r['release'])}</summary>"
        "</entry>" for r in rows)
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           f"<id>urn:evidence:guideline:{escape(qid)}</id><title>{escape(q['module'])}: new evidence</title>"
           f'<updated>{escape(updated)}T00:00:00Z</updated><link rel="alternate" href="{escape(page)}"/>'
           f"<author><name>Work participation evidence</name></author>{entries}</feed>\n")
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes():
    return [(r"^/guideline$", guideline), (r"^/guideline/(?P<id>[a-z0-9_]+)$", question_page),
            (r"^/guideline/(?P<id>[a-z0-9_]+)\.atom$", question_feed)]
