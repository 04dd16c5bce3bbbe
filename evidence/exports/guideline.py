"""The guideline module as a readable document: per question its recommendations (by audience), the
rationale and considerations (by criterion), the evidence with its certainty, and the references.
`evidence export guideline --format md|html|docx`. Filters select the conclusions shown; the
questions and recommendations are always all there.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass, field
from itertools import groupby
from typing import IO

from jinja2 import Environment, PackageLoader, select_autoescape

from ..presenter import certainty_text
from ..read import Filters, records, select, sql
from . import Format, Output, register, text


@dataclass
class Module:
    question: dict
    audiences: list[tuple[str, list[dict]]] = field(default_factory=list)
    criteria: list[tuple[str, list[dict]]] = field(default_factory=list)
    conclusions: list[dict] = field(default_factory=list)


def modules(conn: sqlite3.Connection, filters: Filters) -> tuple[list[Module], list[dict]]:
    """The guideline's modules in order, and the references of the conclusions shown."""
    query, params = select("findings", filters, "id")

    def chosen(conclusions: list[dict]) -> set[str]:  # those that match the filters (no set of every finding)
        ids = json.dumps([c["id"] for c in conclusions])
        return {row[0] for row in conn.execute(
            f"select id from ({query}) where id in (select value from json_each(?))", [*params, ids])}

    result, cited = [], set()
    for q in records(conn, sql("guideline_questions")):
        module = Module(q)
        recommendations = records(conn, sql("question_recommendations"), {"id": q["id"]})
        module.audiences = [(k, list(g)) for k, g in groupby(recommendations, key=lambda r: r["audience_name"])]
        considerations = records(conn, sql("question_considerations"), {"id": q["id"]})
        module.criteria = [(k, list(g)) for k, g in groupby(considerations, key=lambda c: c["criterion_name"])]
        conclusions = records(conn, sql("question_conclusions"), {"id": q["id"]})
        shown = chosen(conclusions)
        conclusions = [c for c in conclusions if c["id"] in shown]
        for c in conclusions:
            c["certainty_text"] = certainty_text(c["certainty"])
        module.conclusions = conclusions
        cited |= {c["id"] for c in conclusions}
        result.append(module)
    references = records(conn, sql("guideline_references"), {"ids": json.dumps(sorted(cited))})
    return result, references


ENV = Environment(loader=PackageLoader("evidence", "templates"), autoescape=select_autoescape(["html"]),
                  keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
ENV.filters["md"] = lambda text: str(text or "").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def render(result: list[Module], references: list[dict], fmt: str) -> str:
    return ENV.get_template(f"guideline.{fmt}").render(modules=result, references=references)


def docx_bytes(result: list[Module], references: list[dict]) -> bytes:
    import datetime

    from docx import Document

    from .tables import fixed_zip_times

    document = Document()
    document.core_properties.created = document.core_properties.modified = datetime.datetime(2000, 1, 1)
    document.add_heading("Arbeidsparticipatie: aanbevelingen en onderbouwing", level=0)
    for m in result:
        q = m.question
        document.add_heading(q["module"], level=1)
        document.add_paragraph().add_run(f"Uitgangsvraag: {q['question']}").bold = True
        if q["question_en"]:
            document.add_paragraph(f"[EN, curators' translation] {q['question_en']}").runs[0].italic = True
        document.add_heading("Aanbevelingen", level=2)
        for audience, items in m.audiences:
            document.add_heading(audience, level=3)
            for r in items:
                document.add_paragraph(r["text"], style="List Bullet")
        if m.criteria:
            document.add_heading("Overwegingen", level=2)
            for criterion, items in m.criteria:
                document.add_heading(criterion.capitalize(), level=3)
                for c in items:
                    document.add_paragraph(c["quote"])
        document.add_heading("Conclusies (bewijs)", level=2)
        for c in m.conclusions or [{"certainty_text": "", "statement": "No curated conclusion.", "source_label": ""}]:
            document.add_paragraph(f"{c['certainty_text']} {c['statement']} {c['source_label']}".strip(), style="List Bullet")
    document.add_heading("Referenties", level=1)
    for ref in references:
        document.add_paragraph(ref["citation"])
    out = io.BytesIO()
    document.save(out)
    return fixed_zip_times(out.getvalue())


def _writer(fmt: str):
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
        result, references = modules(conn, filters)  # the guideline's modules: their number does not grow with findings
        if fmt == "docx":
            out.write(docx_bytes(result, references))
        else:
            with text(out) as f:
                for piece in ENV.get_template(f"guideline.{fmt}").generate(modules=result, references=references):
                    f.write(piece)
        return Output(len(result), "guideline modules")
    return write


register(Format("guideline", "md", "text/markdown; charset=utf-8", "md", _writer("md"), default=True))
register(Format("guideline", "html", "text/html; charset=utf-8", "html", _writer("html")))
register(Format("guideline", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx", _writer("docx"), binary=True))
