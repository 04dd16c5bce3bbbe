"""The guideline file's validation (evidence.guideline), rule by rule, with the exact FILE:LINE: field: message
and the rows it becomes. Written to kill the mutants bench/mutation.py found surviving: each test states a
rule of the module's docstring or schema (data/guideline.yaml; evidence/schema.py) with its expected value."""

from __future__ import annotations

from pathlib import Path

from evidence.build import check
from evidence.problems import ordered
from tests.conftest import line_of
from tests.test_guideline import QUESTION

DOCUMENT = "002_9160572386489848.txt"  # the guideline's document in data/vocabulary/document.yaml


def run(project, text: str):
    project.write("guideline.yaml", text)
    rows, report, _ = check(Path("data"))
    return rows, [str(p) for p in ordered(report.problems)]


def problems(project, text: str) -> list[str]:
    return run(project, text)[1]


SECOND = """\
- id: q2
  module: Module twee
  question: Wat nog meer?
  last_assessed: 2020-01-31
  last_authorised: 2021-02-28
  source_document: 002_9160572386489848.txt
  source_locator: Module twee > Uitgangsvraag
  quote: Wat nog meer?
  recommendations:
    - id: r1
      audience: all
      kind: recommendation
      text: Eerste.
      source_locator: Module twee > Aanbeveling
      quote: Eerste.
    - id: r2
      audience: all
      kind: recommendation
      text: Tweede.
      source_document: published-facts.md
      source_locator: p. 2
      quote: Tweede.
"""


def test_questions_recommendations_and_considerations_become_rows(project):
    rows, found = run(project, QUESTION + SECOND)
    assert found == []
    questions = rows["questions"]
    assert [(q["id"], q["position"]) for q in questions] == [("q1", 1), ("q2", 2)]  # in file order, from 1
    # YAML reads 2020-01-31 as a date; the row keeps it as ISO 8601 text (schema: "ISO 8601")
    assert (questions[1]["last_assessed"], questions[1]["last_authorised"]) == ("2020-01-31", "2021-02-28")
    assert not {"findings", "recommendations", "considerations"} & set(questions[0])  # rows of their own
    assert rows["question_findings"] == [{"question_id": "q1", "finding_id": "smith-2020-f1", "position": 1}]
    recommendations = [(r["id"], r["question_id"], r["position"], r["source_document"], r["quote"])
                       for r in rows["recommendations"]]
    # a recommendation without its own document was read in its question's document (module docstring)
    assert recommendations == [("q1-r1", "q1", 1, DOCUMENT, "Vraag naar werk."),
                               ("q2-r1", "q2", 1, DOCUMENT, "Eerste."),
                               ("q2-r2", "q2", 2, "published-facts.md", "Tweede.")]
    assert [(c["id"], c["question_id"], c["position"], c["source_document"]) for c in rows["considerations"]] == [
        ("q1-c1", "q1", 1, DOCUMENT)]


def test_the_file_and_each_question_must_have_the_right_shape(project):
    assert problems(project, "a: 1\n") == ["data/guideline.yaml:1: the top level must be a list of questions"]
    text = "- just text\n" + QUESTION.replace("[smith-2020-f1]", "[smith-2020-f9]")
    assert problems(project, text) == [  # the next question is still checked
        "data/guideline.yaml:1: questions[0]: each question must be a mapping of fields",
        f"data/guideline.yaml:{line_of(text, 'findings:')}: q1.findings: 'smith-2020-f9' is not a finding"]


def test_fields_are_checked_like_the_sources(project):
    text = QUESTION.replace("  quote: Wat werkt?\n", "  quote: Wat werkt?\n  colour: red\n")
    assert problems(project, text) == [f"data/guideline.yaml:{line_of(text, 'colour')}: q1.colour: unknown field"]
    text = QUESTION.replace("  quote: Wat werkt?\n", "")
    assert problems(project, text) == ["data/guideline.yaml:1: q1.quote: required field is missing"]
    text = QUESTION.replace("  findings: [smith-2020-f1]", "  findings: smith")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'findings:')}: q1.findings: Input should be a valid list (got 'smith')"]
    text = QUESTION.replace("- id: q1\n", "- id: 7\n")  # no text id: the question is named by its place
    assert problems(project, text) == ["data/guideline.yaml:1: questions[0].id: Input should be a valid string (got 7)"]
    text = QUESTION.replace("      quote: Vraag naar werk.\n", "      quote: Vraag naar werk.\n      colour: red\n")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'colour')}: q1.recommendations.0.colour: unknown field"]


def test_vocabularies_of_questions_and_their_items(project):
    text = QUESTION.replace(f"  source_document: {DOCUMENT}", "  source_document: nope.txt")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'nope.txt')}: q1.source_document: 'nope.txt' is not a known document"]
    text = QUESTION.replace("      criterion: patient_values", "      criterion: patient_value")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'patient_value')}: q1-c1.criterion: 'patient_value' is not a known "
        "criterion (did you mean 'patient_values'?)"]
    text = QUESTION.replace("    - id: r1\n      audience: all", "    - audience: everyone")  # no id: named by place
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'everyone')}: q1-recommendations[0].audience: 'everyone' is not a known "
        "audience",
        f"data/guideline.yaml:{line_of(text, 'everyone')}: q1.recommendations.0.id: required field is missing"]
    text = QUESTION.replace("- id: q1\n", "- id: 7\n").replace(f"  source_document: {DOCUMENT}",
                                                               "  source_document: nope.txt")
    assert f"data/guideline.yaml:{line_of(text, 'nope.txt')}: questions[0].source_document: 'nope.txt' is not a " \
           "known document" in problems(project, text)


def test_ids_quotes_and_evidence_bases(project):
    twice = QUESTION + QUESTION.replace("    - id: r1", "    - id: r2")
    assert problems(project, twice) == [f"data/guideline.yaml:{len(QUESTION.splitlines()) + 1}: q1: duplicate question id"]
    text = QUESTION.replace("  considerations:", "    - id: r1\n      audience: all\n      kind: recommendation\n"
                                                 "      text: Nog eens.\n      source_locator: x\n      quote: Nog eens.\n"
                                                 "  considerations:")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'text: Nog eens.') - 3}: q1-r1: duplicate id within the question"]
    text = QUESTION.replace("  quote: Wat werkt?", "  quote: ' '")
    assert problems(project, text) == [f"data/guideline.yaml:{line_of(text, chr(39))}: q1.quote: the quote is empty"]
    text = QUESTION.replace("      quote: Vraag naar werk.", "      quote: ''")
    assert problems(project, text) == [f"data/guideline.yaml:{line_of(text, chr(39))}: q1-r1.quote: the quote is empty"]
    # an evidence basis with its quote is fine; on a consideration the field does not exist
    text = QUESTION.replace("      quote: Vraag naar werk.\n", "      quote: Vraag naar werk.\n"
                            "      evidence_basis: no_evidence_found\n      evidence_basis_quote: Geen bewijs.\n")
    assert problems(project, text) == []


def test_duplicates_are_placed_at_their_id_and_dates_only_where_a_date_belongs(project):
    moved = QUESTION.replace("- id: q1\n  module: Module een\n", "- module: Module een\n  id: q1\n")
    text = moved + moved.replace("    - id: r1", "    - id: r2")
    assert problems(project, text) == [f"data/guideline.yaml:{len(moved.splitlines()) + 2}: q1: duplicate question id"]
    text = QUESTION.replace("  considerations:", "    - audience: all\n      id: r1\n      kind: recommendation\n"
                                                 "      text: Nog eens.\n      source_locator: x\n      quote: Nog eens.\n"
                                                 "  considerations:")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'text: Nog eens.') - 2}: q1-r1: duplicate id within the question"]
    # a YAML date is read as ISO text in last_assessed/last_authorised only; elsewhere it is the wrong type
    text = QUESTION.replace("  quote: Wat werkt?\n", "  quote: Wat werkt?\n  note: 2020-01-31\n")
    assert problems(project, text) == [
        f"data/guideline.yaml:{line_of(text, 'note:')}: q1.note: Input should be a valid string (got "
        "datetime.date(2020, 1, 31))"]


def test_an_unreadable_document_vocabulary_leaves_the_documents_unchecked(project):
    (project.data / "vocabulary" / "document.yaml").write_text("doc: [\n", encoding="utf-8")
    text = QUESTION.replace(f"  source_document: {DOCUMENT}", "  source_document: nope.txt")
    found = problems(project, text)
    assert found and all(p.startswith("data/vocabulary/document.yaml:") for p in found)
