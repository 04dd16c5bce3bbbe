"""The guideline chain: questions → recommendations → the conclusions they rest on, and back."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from evidence.build import check
from evidence.cli import cli
from evidence.problems import ordered
from tests.conftest import ROOT, line_of, query

QUESTION = """\
- id: q1
  module: Module een
  question: Wat werkt?
  source_document: 002_9160572386489848.txt
  source_locator: Module een > Uitgangsvraag
  quote: Wat werkt?
  findings: [smith-2020-f1]
  recommendations:
    - id: r1
      audience: all
      kind: recommendation
      text: Vraag naar werk.
      source_locator: Module een > Aanbeveling
      quote: Vraag naar werk.
  considerations:
    - id: c1
      criterion: patient_values
      quote: Patiënten vinden werk belangrijk.
      source_locator: Module een > Overwegingen
"""


def problems() -> list[str]:
    return [str(p) for p in ordered(check(Path("data"))[1].problems)]  # as the CLI prints them


def test_a_valid_guideline_file_validates(project):
    project.write("guideline.yaml", QUESTION)
    assert problems() == []


def test_unknown_findings_audiences_and_empty_quotes_are_file_line_errors(project):
    text = QUESTION.replace("[smith-2020-f1]", "[smith-2020-f9]").replace("audience: all", "audience: everyone")
    text = text.replace("      quote: Patiënten vinden werk belangrijk.", "      quote: ' '")
    project.write("guideline.yaml", text)
    assert problems() == [
        f"data/guideline.yaml:{line_of(text, 'findings:')}: q1.findings: 'smith-2020-f9' is not a finding",
        f"data/guideline.yaml:{line_of(text, 'audience:')}: q1-r1.audience: 'everyone' is not a known audience",
        f"data/guideline.yaml:{line_of(text, chr(39) + ' ' + chr(39))}: q1-c1.quote: the quote is empty",
    ]


def test_an_evidence_basis_needs_the_text_that_says_so(project):
    text = QUESTION.replace("      quote: Vraag naar werk.\n", "      quote: Vraag naar werk.\n      evidence_basis: no_evidence_found\n")
    project.write("guideline.yaml", text)
    assert problems() == [f"data/guideline.yaml:{line_of(text, 'evidence_basis')}: q1-r1.evidence_basis: "
                          "an evidence basis needs evidence_basis_quote: the text that says so"]


def test_every_curated_recommendation_reaches_the_database(real_db):
    curated = yaml.load((ROOT / "data" / "guideline.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    assert query(real_db, "select count(*) from questions")[0][0] == len(curated) == 6
    assert query(real_db, "select count(*) from recommendations")[0][0] == sum(len(q["recommendations"]) for q in curated)
    assert query(real_db, "select count(*) from considerations")[0][0] == sum(len(q["considerations"]) for q in curated)


def test_the_guideline_pages_go_from_question_to_finding_and_back(real_db, site):
    front = site("/guideline").text
    assert 'href="/guideline/q2"' in front and "Arbeid in de spreekkamer" in front
    page = site("/guideline/q2").text
    # recommendations come first, grouped by audience; considerations are folded; then the conclusions
    assert page.index('class="recommendation"') < page.index('<details class="criterion"') < page.index('class="conclusions"')
    [(finding,)] = query(real_db, "select finding_id from question_findings where question_id = 'q2' and finding_id = 'kumar-2017-f3'")
    assert f'href="/evidence/findings/{finding}"' in page
    back = site(f"/evidence/findings/{finding}").text
    assert 'href="/guideline/q2#q2-r1"' in back
    assert site("/guideline/nope").status_code == 404


def test_guideline_document_in_every_format(real_db, tmp_path):
    md = CliRunner().invoke(cli, ["export", "guideline", "--db", str(real_db)]).stdout
    for (text,) in query(real_db, "select text from recommendations"):
        assert " ".join(text.split())[:80] in md
    assert md.count("\n## ") == 6 + 1  # the six modules and the references
    out = tmp_path / "g.docx"
    assert CliRunner().invoke(cli, ["export", "guideline", "--format", "docx", "--db", str(real_db), "-o", str(out)]).exit_code == 0
    from docx import Document

    headings = [p.text for p in Document(str(out)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:6] == [m for (m,) in query(real_db, "select module from questions order by position")]
    html = CliRunner().invoke(cli, ["export", "guideline", "--format", "html", "--db", str(real_db)]).stdout
    assert len(re.findall(r'<section id="q\d">', html)) == 6
