"""Data for the row pages of findings, sources and economic evaluations: a finding laid out as a
Summary-of-Findings entry by the one presenter; a source with how to cite it, its findings and its
economic evaluations; an economic evaluation with its source."""

from __future__ import annotations

import re
from typing import Mapping, Optional

from datasette import hookimpl

from ..presenter import present
from ..schema import GRADE_DOMAINS
from ..titles import tables
from . import is_site_database, named_rows

BIBTEX_FIELD = re.compile(r"^\s*(\w+)\s*=\s*[{\"](.*?)[}\"]\s*,?\s*$", re.M)


def bibtex_fields(bibtex: Optional[str]) -> dict[str, str]:
    return {k.lower(): v.strip() for k, v in BIBTEX_FIELD.findall(bibtex or "")}


def _author(name: str) -> str:
    """"Kumar, K. S." -> "Kumar KS"; BibTeX's "Adams, Jr, John" -> "Adams J Jr" (Citing Medicine: a
    designation such as Jr after the initials); a name without a comma (an organisation) stays as written."""
    name = name.strip()
    if name.lower() == "others":
        return "et al."
    if "," not in name:
        return name
    parts = [part.strip() for part in name.split(",", 2)]
    last, first, suffix = (parts[0], parts[2], parts[1].rstrip(".")) if len(parts) == 3 else (parts[0], parts[1], "")
    initials = "".join(w[0] for w in re.split(r"[\s.\-]+", first) if w)
    return " ".join(part for part in (last, initials, suffix) if part)


def citation(source: Mapping) -> str:
    """The source as a reference (Vancouver style): authors, title, journal, year;volume(issue):pages."""
    source = dict(source or {})
    fields = bibtex_fields(source.get("bibtex"))
    authors = [_author(a) for a in (source.get("authors") or "").split(" and ") if a.strip()]
    if len(authors) > 6:
        authors = authors[:3] + ["et al."]
    names = ", ".join(a for a in authors if a != "et al.")
    if "et al." in authors:
        names = f"{names}, et al." if names else "et al."
    parts = [names, source.get("title"), source.get("journal")]
    year = str(source.get("year") or "")
    volume, number, pages = fields.get("volume"), fields.get("number"), fields.get("pages")
    pages = pages.replace("--", "–") if pages else pages  # BibTeX's page range: an en dash, as printed
    where = year + (f";{volume}" if volume else "") + (f"({number})" if number else "") + (f":{pages}" if pages else "")
    parts.append(where)
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."


def unique_recommendations(rows: list[dict]) -> list[dict]:
    """Recommendations worded the same in several guideline modules, listed once with every module they
    appear in (rows: recommendation_id, question_id, text, text_en, audience, module, module_en)."""
    unique: dict[tuple, dict] = {}
    for r in rows:
        if not r.get("recommendation_id"):
            continue
        key = (r["text"], r["audience"])
        entry = unique.setdefault(key, {**r, "places": []})
        entry["places"].append({"question_id": r["question_id"], "recommendation_id": r["recommendation_id"],
                                "module": r["module"], "module_en": r.get("module_en")})
    return list(unique.values())


@hookimpl
def extra_template_vars(view_name, table, database, datasette):
    if view_name != "row" or not is_site_database(datasette, database):
        return None
    if table not in tables("sourced"):
        return None

    async def finding_context(finding_id: str) -> dict:
        source = await named_rows(datasette, "finding_source", {"id": finding_id})
        questions = await named_rows(datasette, "finding_questions", {"id": finding_id})
        return {"source": source[0] if source else {},
                "siblings": await named_rows(datasette, "finding_siblings", {"id": finding_id}),
                "questions": questions, "recommendations": unique_recommendations(questions)}

    async def source_context(source_id: str) -> dict:
        return {"findings": await named_rows(datasette, "source_findings", {"id": source_id}),
                "evaluations": await named_rows(datasette, "source_evaluations", {"id": source_id}),
                "questions": await named_rows(datasette, "source_questions", {"id": source_id})}

    async def source_of(source_id: str) -> dict:
        found = await named_rows(datasette, "source", {"id": source_id})
        return found[0] if found else {}

    def view(row):
        shown = present(dict(row))
        if row["effect"] is None and row["pooled_effect"] is not None:  # no recorded effect: the pooled one
            shown.effect = (f"{row['effect_measure']} {row['pooled_effect']:.2f} ({row['pooled_ci_lower']:.2f} to "
                            f"{row['pooled_ci_upper']:.2f})")
        return shown

    return {"finding_context": finding_context, "finding_view": view, "source_context": source_context,
            "source_of": source_of}


@hookimpl
def prepare_jinja2_environment(env):
    env.globals.update(citation=citation, bibtex_fields=bibtex_fields, 
                       grade_domains=frozenset(d.replace("_", " ") for d in GRADE_DOMAINS))
