"""The guideline file (data/guideline.yaml): questions with their recommendations and considerations,
validated like the sources (``FILE:LINE: record.field: message``) and turned into table rows.

Each question names the findings its evidence rests on; unknown finding ids, unknown vocabulary
terms and empty quotes are problems. A recommendation or consideration without its own document
was read in its question's document.
"""

from __future__ import annotations

import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from .inputs import YamlFile
from .problems import Problem, Report
from .schema import ConsiderationIn, QuestionIn, RecommendationIn, vocabulary_of
from .vocabulary import Vocabulary

Rows = dict[str, list[dict]]
NESTED: dict[str, type[SQLModel]] = {"recommendations": RecommendationIn, "considerations": ConsiderationIn}
DATES = ("last_assessed", "last_authorised")


def check_guideline(docs: list[YamlFile], finding_ids: set[str], vocab: Vocabulary, report: Report,
                    unchecked: frozenset[str] = frozenset(), superseded: frozenset[str] = frozenset()) -> Rows:
    """``unchecked``: ids of findings whose source has errors (reported there, not again for each question
    that cites them); ``superseded``: ids of findings of superseded sources (a warning where cited)."""
    links = {"unchecked": unchecked, "superseded": superseded}
    rows: Rows = {"questions": [], "recommendations": [], "considerations": [], "question_findings": []}
    seen: set[str] = set()
    for doc in docs:
        if doc.data is None:
            continue
        if not isinstance(doc.data, list):
            report.add(Problem(doc.name, "the top level must be a list of questions", line=1))
            continue
        for i, raw in enumerate(doc.data):
            _check_question(doc, i, raw, finding_ids, vocab, report, rows, seen, links)
    return rows


def _problem(report: Report, doc: YamlFile, path: tuple, field: str, message: str) -> None:
    report.add(Problem(doc.name, message, field=field, path=path))


def _check_question(doc: YamlFile, i: int, raw: Any, finding_ids: set[str], vocab: Vocabulary, report: Report,
                    rows: Rows, seen: set[str], links: dict[str, frozenset[str]]) -> None:
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
    if question.id in seen:
        _problem(report, doc, (i, "id"), question.id, "duplicate question id")
    seen.add(question.id)
    for path, record, text in _quotes(i, question):
        if not text.strip():
            _problem(report, doc, path, record, "the quote is empty")
    rows["questions"].append({**question.model_dump(exclude={"findings", "recommendations", "considerations"}),
                              "position": i + 1})
    _check_dates(doc, i, question, report)
    _question_findings(doc, i, question, finding_ids, links, report, rows)
    for nested in NESTED:
        locals_seen: set[str] = set()
        for j, item in enumerate(getattr(question, nested)):
            record = f"{question.id}-{item.id}"
            if item.id in locals_seen:
                _problem(report, doc, (i, nested, j, "id"), record, "duplicate id within the question")
            locals_seen.add(item.id)
            row = {**item.model_dump(), "id": record, "question_id": question.id, "position": j + 1}
            row["source_document"] = row["source_document"] or question.source_document
            rows[nested].append(row)
        if nested == "recommendations":
            for j, item in enumerate(question.recommendations):
                if item.evidence_basis and not item.evidence_basis_quote:
                    _problem(report, doc, (i, nested, j, "evidence_basis"), f"{question.id}-{item.id}.evidence_basis",
                             "an evidence basis needs evidence_basis_quote: the text that says so")


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
        rows["question_findings"].append({"question_id": question.id, "finding_id": finding})


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
