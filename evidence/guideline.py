"""The guideline file (data/guideline.yaml): questions with their recommendations and considerations,
validated like the sources (``FILE:LINE: record.field: message``) and turned into table rows.

Each question names the findings its evidence rests on; unknown finding ids, unknown vocabulary
terms and empty quotes are problems. A recommendation or consideration without its own document
was read in its question's document.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from itertools import groupby
from typing import Any, Optional

from pydantic import ValidationError
from sqlmodel import SQLModel

from .yaml_safe import YamlFile
from .problems import Problem, Report
from .schema import ConsiderationIn, ModuleTextIn, QuestionIn, RecommendationIn, vocabulary_of
from .vocabulary import Vocabulary

Rows = dict[str, list[dict]]
NESTED: dict[str, type[SQLModel]] = {"recommendations": RecommendationIn, "considerations": ConsiderationIn,
                                     "literature": ModuleTextIn}
TABLE_OF = {"recommendations": "recommendations", "considerations": "considerations", "literature": "module_texts"}
DATES = ("last_assessed", "last_authorised")


def check_guideline(docs: list[YamlFile], finding_ids: set[str], vocab: Vocabulary, report: Report,
                    source_ids: frozenset[str] = frozenset(), unchecked: frozenset[str] = frozenset(),
                    superseded: frozenset[str] = frozenset()) -> Rows:
    """``source_ids``: the curated sources (a module cites them); ``unchecked``: ids of findings whose source
    has errors (reported there, not again for each question that cites them); ``superseded``: ids of findings
    of superseded sources (a warning where cited)."""
    links = {"unchecked": unchecked, "superseded": superseded}
    rows: Rows = {"questions": [], "recommendations": [], "considerations": [], "question_findings": [], "module_tasks": [],
                  "module_texts": [],
                  "question_citations": []}
    parents: dict[str, Optional[str]] = {}  # each question read so far, and the module it is a sub-module of
    for doc in docs:
        if doc.data is None:
            continue
        if not isinstance(doc.data, list):
            report.add(Problem(doc.name, "the top level must be a list of questions", line=1))
            continue
        for i, raw in enumerate(doc.data):
            _check_question(doc, i, raw, (finding_ids, source_ids), vocab, report, rows, parents, links)
    return rows


def _problem(report: Report, doc: YamlFile, path: tuple, field: str, message: str) -> None:
    report.add(Problem(doc.name, message, field=field, path=path))


def _check_question(doc: YamlFile, i: int, raw: Any, known: tuple[set[str], frozenset[str]], vocab: Vocabulary,
                    report: Report, rows: Rows, parents: dict[str, Optional[str]],
                    links: dict[str, frozenset[str]]) -> None:
    finding_ids, source_ids = known
    if not isinstance(raw, dict):
        _problem(report, doc, (i,), f"questions[{i}]", "each question must be a mapping of fields")
        return
    qid = raw["id"] if isinstance(raw.get("id"), str) else f"questions[{i}]"
    raw = {k: v.isoformat() if k in DATES and isinstance(v, datetime.date) else v for k, v in raw.items()}
    _vocabularies(doc, (i,), qid, QuestionIn, raw, vocab, report)
    for nested, model in NESTED.items():
        for j, item in enumerate(raw.get(nested) if isinstance(raw.get(nested), list) else []):
            if isinstance(item, dict):
                local = item["id"] if isinstance(item.get("id"), str) else f"{nested}[{j}]"
                _vocabularies(doc, (i, nested, j), f"{qid}-{local}", model, item, vocab, report)
    try:
        question = QuestionIn.model_validate(raw)
    except ValidationError as e:
        for err in e.errors():
            loc = err["loc"]
            what = "unknown field" if err["type"] == "extra_forbidden" else (
                "required field is missing" if err["type"] == "missing" else f"{err['msg']} (got {err['input']!r})")
            _problem(report, doc, (i, *loc), f"{qid}.{'.'.join(map(str, loc))}", what)
        return
    if question.id in parents:
        _problem(report, doc, (i, "id"), question.id, "duplicate question id")
    _check_parent(doc, i, question, parents, report)
    parents[question.id] = question.parent
    if question.overall_certainty and not question.overall_certainty_quote:
        _problem(report, doc, (i, "overall_certainty"), f"{question.id}.overall_certainty",
                 "an overall certainty needs overall_certainty_quote: the text that states it")
    for path, record, text in _quotes(i, question):
        if not text.strip():
            _problem(report, doc, path, record, "the quote is empty")
    rows["questions"].append({**question.model_dump(exclude={"findings", "recommendations", "considerations", "tasks",
                                                             "literature", "cites"}),
                              "position": i + 1})
    if question.tasks and question.tasks_after not in {c.id for c in question.considerations}:
        _problem(report, doc, (i, "tasks_after"), f"{question.id}.tasks_after",
                 "a task table needs tasks_after: the consideration it is printed after")
    for j, task in enumerate(question.tasks):
        rows["module_tasks"].append({**task.model_dump(), "id": f"{question.id}-t{j + 1}", "question_id": question.id,
                                     "position": j + 1, "expertise": json.dumps(task.expertise, ensure_ascii=False),
                                     "tools": json.dumps(task.tools, ensure_ascii=False),
                                     "source_document": question.source_document})
    _check_dates(doc, i, question, report)
    _question_findings(doc, i, question, finding_ids, links, report, rows)
    for j, source in enumerate(question.cites):
        if source not in source_ids:
            _problem(report, doc, (i, "cites", j), f"{question.id}.cites", f"'{source}' is not a source")
        else:
            rows["question_citations"].append({"question_id": question.id, "source_id": source, "position": j + 1})
    for nested in NESTED:
        locals_seen: set[str] = set()
        for j, item in enumerate(getattr(question, nested)):
            record = f"{question.id}-{item.id}"
            if item.id in locals_seen:
                _problem(report, doc, (i, nested, j, "id"), record, "duplicate id within the question")
            locals_seen.add(item.id)
            row = {**item.model_dump(), "id": record, "question_id": question.id, "position": j + 1}
            if "items" in row:
                row["items"] = json.dumps(row["items"], ensure_ascii=False) if row["items"] else None
            row["source_document"] = row["source_document"] or question.source_document
            rows[TABLE_OF[nested]].append(row)
        if nested == "recommendations":
            for j, item in enumerate(question.recommendations):
                if item.evidence_basis and not item.evidence_basis_quote:
                    _problem(report, doc, (i, nested, j, "evidence_basis"), f"{question.id}-{item.id}.evidence_basis",
                             "an evidence basis needs evidence_basis_quote: the text that says so")


def _check_parent(doc: YamlFile, i: int, question: QuestionIn, parents: dict[str, Optional[str]], report: Report) -> None:
    """A sub-module names a module printed before it that is not itself a sub-module, and carries no
    recommendations or conclusions of its own: it shares its parent's."""
    if question.parent is None:
        return
    record = f"{question.id}.parent"
    if question.parent not in parents:
        _problem(report, doc, (i, "parent"), record, f"'{question.parent}' is not a module listed before {question.id}")
    elif parents[question.parent] is not None:
        _problem(report, doc, (i, "parent"), record,
                 f"'{question.parent}' is itself a sub-module; name its parent '{parents[question.parent]}'")
    for shared in ("recommendations", "findings"):
        if getattr(question, shared):
            _problem(report, doc, (i, shared), f"{question.id}.{shared}",
                     f"a sub-module shares its parent's {shared}; list them under '{question.parent}' only")


def _check_dates(doc: YamlFile, i: int, question: QuestionIn, report: Report) -> None:
    for name in DATES:
        value = getattr(question, name)
        try:
            if value is None or (len(value) == 10 and datetime.date.fromisoformat(value)):
                continue
        except ValueError:
            pass
        _problem(report, doc, (i, name), f"{question.id}.{name}", f"'{value}' is not a date (YYYY-MM-DD)")


def _question_findings(doc: YamlFile, i: int, question: QuestionIn, finding_ids: set[str],
                       links: dict[str, frozenset[str]], report: Report, rows: Rows) -> None:
    """The findings a question rests on: each a finding, once; one of a superseded source is a warning;
    one whose source has errors is left to those errors."""
    listed: dict[str, int] = {}
    for j, finding in enumerate(question.findings):
        path, field = (i, "findings", j), f"{question.id}.findings"
        if finding in listed:
            _problem(report, doc, path, field, f"'{finding}' is listed twice (first as item {listed[finding] + 1})")
            continue
        listed[finding] = j
        if finding in links["unchecked"]:
            continue
        if finding not in finding_ids:
            _problem(report, doc, path, field, f"'{finding}' is not a finding")
            continue
        if finding in links["superseded"]:
            report.add(Problem(doc.name, f"'{finding}' is a finding of a superseded source; rest the question on "
                               "the review that replaces it", field=field, path=path, warning=True))
        rows["question_findings"].append({"question_id": question.id, "finding_id": finding, "position": j + 1})


def _quotes(i: int, question: QuestionIn):
    yield (i, "quote"), f"{question.id}.quote", question.quote
    for nested in NESTED:
        for j, item in enumerate(getattr(question, nested)):
            yield (i, nested, j, "quote"), f"{question.id}-{item.id}.quote", item.quote


def _vocabularies(doc: YamlFile, path: tuple, record: str, model: type[SQLModel], values: dict, vocab: Vocabulary,
                  report: Report) -> None:
    for name in model.model_fields:
        kind = vocabulary_of(model, name)
        value = values.get(name)
        if kind and isinstance(value, str) and vocab.checks(kind) and value not in vocab.terms(kind):
            _problem(report, doc, (*path, name), f"{record}.{name}",
                     f"'{value}' is not a known {kind}{vocab.suggestion(kind, value)}")


HEADING_SEPARATOR = " > "


def consideration_sections(considerations: list[dict]) -> list[dict]:
    """Considerations in source order under their printed sub-headings: one section per top-level
    heading (``heading`` None for text printed straight under Overwegingen), and per consideration the
    deeper sub-headings that start with it (``subheadings``, depth from 1). Regrouping by kind would
    move a sentence away from "onderstaande tabel" or from the item it points to; source order keeps it."""
    sections: list[dict] = []
    previous: list[str] = []
    for c in considerations:
        path = c["heading"].split(HEADING_SEPARATOR) if c.get("heading") else []
        top = path[0] if path else None
        if not sections or sections[-1]["heading"] != top:
            sections.append({"heading": top, "items": []})
            previous = path[:1]
        common = next((k for k, (a, b) in enumerate(zip(previous, path)) if a != b), min(len(previous), len(path)))
        new = [(depth, text) for depth, text in enumerate(path) if depth >= max(common, 1)]
        sections[-1]["items"].append({"c": c, "subheadings": new})
        previous = path
    return sections


CITED_SOURCE = re.compile(r"\s*\((?:p\. \d+; )?Sources?:[^()]*\)\s*$")


def population_heading(locator: str) -> Optional[str]:
    """The heading a conclusion is printed under in the module's Conclusies ("Cancer", "Overall
    conclusions"), from its locator ("Onderbouwing > Conclusies > Cancer (Source: de Boer, …)")."""
    parts = (locator or "").split(HEADING_SEPARATOR)
    if "Conclusies" not in parts or parts.index("Conclusies") == len(parts) - 1:
        return None
    return CITED_SOURCE.sub("", parts[parts.index("Conclusies") + 1]).strip()


def conclusion_groups(conclusions: list[dict]) -> list[tuple[Optional[str], list[dict]]]:
    """Conclusions in printed order, grouped under the population headings the guideline prints."""
    return [(heading, list(group)) for heading, group in groupby(conclusions, key=lambda c: population_heading(c["source_locator"]))]


def list_items(items: list, depth: int = 1):
    """(depth, text) for each item of a nested list as printed (a list holds the items under the one before)."""
    for item in items:
        if isinstance(item, list):
            yield from list_items(item, depth + 1)
        else:
            yield depth, item


def modules_with_new_evidence(db: Path, release: str) -> list[tuple[str, str, int]]:
    """(id, module, findings) for each guideline module with new evidence in ``release``
    (module_new_evidence.sql: the matching rule through the vocabulary hierarchy)."""
    import sqlite3

    from .read import sql

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        modules = conn.execute("select id, module from questions order by position").fetchall()
        found = []
        for qid, module in modules:
            rows = conn.execute(sql("module_new_evidence"), {"id": qid}).fetchall()
            count = len({row[0] for row in rows if row[5] == release})
            if count:
                found.append((qid, module, count))
    return found
