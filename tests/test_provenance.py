"""Provenance of the curated data: every quote is in the document it names, every GRADE conclusion
of the guideline module is curated with its certainty, and every identifier can be traced.

Validation checks every quote itself (evidence/provenance.py); the tests below check that it does, on
made-up documents, and check the real data against the real documents with the same normalisation.
The real-data tests need ../shared (the source documents) beside the repository; they are skipped
with a reason without it (and real_db's build fails with CI=true).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence import provenance
from evidence.build import check
from evidence.cli import cli
from evidence.problems import ordered
from evidence.provenance import squeeze, variants
from tests.conftest import RR_WITH_COMPARATOR_RISK, ROOT, SHARED, line_of, query

pytestmark = pytest.mark.provenance  # conftest leaves the check on here
SEEDS = SHARED / "seeds"
needs_shared = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"{SEEDS} not found: the real-data provenance "
                                  "checks need the source documents beside the repo")

GUIDELINE = "002_9160572386489848.txt"
DOCUMENTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))} if SEEDS.is_dir() else {}
if SEEDS.is_dir():
    DOCUMENTS["published-facts.md"] = (SHARED / "published-facts.md").read_text(encoding="utf-8")
LEVEL_WORDS = {"High": "high", "Moderate": "moderate", "Low": "low", "Very low": "very_low"}
SQUEEZED = {name: variants(text) for name, text in DOCUMENTS.items()}


def quoted(document: str, quote: str) -> bool:
    return any(squeeze(quote) in variant for variant in SQUEEZED[document])


def rows(db: Path, sql: str) -> list[tuple]:
    return query(db, sql)


def test_squeeze_handles_line_breaks_hyphenation_and_no_break_spaces():
    assert squeeze("kosten\u2010baten\u00a0verhouding\n van") == "kosten-batenverhoudingvan"
    assert variants("return-to-\nwork ok")[1] == "return-toworkok"
    assert variants("re\u2010\nintegratie")[0] == "re-integratie"
    assert squeeze("\u2018over de lijnen heen\u2019 \u201cgoed\u201d") == squeeze("'over de lijnen heen' \"goed\"")


@needs_shared
def test_every_quote_is_in_its_document(real_db):
    missing = []
    for table in ("findings", "economic_evaluations"):
        for id_, document, quote in rows(real_db, f"select id, source_document, quote from {table}"):
            if document not in DOCUMENTS:
                missing.append(f"{id_}: unknown document {document!r}")
            elif not quoted(document, quote):
                missing.append(f"{id_}: quote not found in {document}: {quote[:70]!r}")
    assert missing == []


@needs_shared
def test_every_effect_quote_is_in_its_document(real_db):
    sql = "select id, effect_source_document, effect_quote from findings where effect_quote is not null"
    found = rows(real_db, sql)
    assert found, "no effect estimates curated"
    assert [id_ for id_, document, quote in found if document not in DOCUMENTS or not quoted(document, quote)] == []


@needs_shared
def test_every_comparator_risk_is_quoted_from_its_document(real_db):
    """A comparator risk (per 1000) is read in its document: the quote is there verbatim and prints the number."""
    sql = ("select id, comparator_risk, comparator_risk_source_document, comparator_risk_quote from findings "
           "where comparator_risk is not null")
    found = rows(real_db, sql)
    assert found, "no comparator risks curated"
    wrong = [id_ for id_, risk, document, quote in found
             if document not in DOCUMENTS or not quoted(document, quote)
             or not re.search(rf"\b{risk:g}\s+per\s+1000\b", quote)]
    assert wrong == []


def guideline_conclusions() -> list[tuple[str, str]]:
    """(certainty, statement) for each GRADE block of the first English Conclusies section."""
    text = DOCUMENTS[GUIDELINE]
    start = text.index("\nConclusies\n")
    section = text[start:text.index("Overall conclusions", start)].split("\n")
    blocks = []
    for i, line in enumerate(section):
        if line.strip() == "GRADE":
            level = section[i - 1].strip()
            statement, j = [], i + 1
            while j < len(section) and not section[j].strip():
                j += 1
            while j < len(section) and section[j].strip():
                statement.append(section[j])
                j += 1
            blocks.append((LEVEL_WORDS[level], " ".join(statement)))
    return blocks


@needs_shared
def test_every_grade_conclusion_of_the_guideline_is_a_finding(real_db):
    blocks = guideline_conclusions()
    assert len(blocks) == 18  # cancer 3, CHD 4, chronic pain 4, IA 1, pregnancy 1, SCI 1, TBI 4
    curated = rows(real_db, f"select id, certainty, quote from findings where source_document = '{GUIDELINE}'")
    for certainty, statement in blocks:
        matches = [(id_, c) for id_, c, quote in curated if squeeze(statement) in squeeze(quote)]
        assert len(matches) == 1, f"{len(matches)} findings quote: {statement[:60]}"
        assert matches[0][1] == certainty, f"{matches[0][0]}: certainty {matches[0][1]}, guideline says {certainty}"


def test_the_no_evidence_conclusion_is_recorded(real_db):
    [(direction, certainty)] = rows(real_db, "select direction, certainty from findings where condition = 'generic' "
                                             "and quote like 'We did not find aggregated evidence%'")
    assert direction == "no_evidence" and certainty is None


@needs_shared
def test_every_doi_and_pmid_in_data_is_in_the_sources():
    flat = squeeze("".join(DOCUMENTS.values())).lower()
    untraced = []
    for path in sorted((ROOT / "data").rglob("*")):
        if path.suffix not in {".yaml", ".yml", ".bib"}:
            continue
        text = path.read_text(encoding="utf-8")
        for doi in set(re.findall(r"10\.\d{4,9}/[^\s\"'{},]+", text)):
            if doi.rstrip(".;").lower() not in flat:  # as strict as the project's before-stop check
                untraced.append(f"{path.name}: DOI {doi}")
        for pmid in set(re.findall(r"(?i)pmid[\"'\s:=\{]+(\d{6,9})", text)):
            if pmid not in flat:
                untraced.append(f"{path.name}: PMID {pmid}")
    assert untraced == []


def test_dutch_quotes_carry_an_english_translation(real_db):
    for table in ("findings", "economic_evaluations"):
        sql = f"select id, statement_translated from {table} where quote_language = 'nl'"
        assert all(translated for _, translated in rows(real_db, sql)), table


def test_ongoing_and_awaiting_studies_are_sources(real_db):
    statuses = dict(rows(real_db, "select status, count(*) from sources group by status"))
    assert statuses.get("ongoing", 0) >= 2 and statuses.get("awaiting_classification", 0) >= 2


def test_every_curated_condition_has_english_and_dutch_names(real_db):
    used = {c for (c,) in rows(real_db, "select distinct condition from findings union select distinct condition from economic_evaluations")}
    named = {c: (n, nl) for c, n, nl in rows(real_db, "select id, name, name_nl from conditions")}
    assert used <= set(named) and all(all(named[c]) for c in used)


# --- validation checks provenance itself -------------------------------------------------------------

# A made-up published-facts.md: the fixture's quote, printed with a line break, a hyphen split across
# lines, typographic quote marks and a no-break space (the variants validation must see through).
FACTS = ("Results: Work sup-\nport may increase return to\u00a0work.\n"
         "RR 1.23 (1.08 to 1.39); 627 per 1000 with \u2018usual care\u2019.\n")


@pytest.fixture
def documents(project, monkeypatch) -> Path:
    """The project's documents: a folder holding published-facts.md, configured in EVIDENCE_DOCUMENTS."""
    folder = project.root / "documents"
    folder.mkdir()
    (folder / "published-facts.md").write_text(FACTS, encoding="utf-8")
    for name in ("000_01fe531280383b14.txt", "001_2af952145c35c2fe.txt", "002_9160572386489848.txt",
                 "003_eb592aa68edb8bad.txt", "004_cbb39e1a6a6c5f41.txt"):  # the other terms of document.yaml
        (folder / name).write_text("", encoding="utf-8")
    monkeypatch.setenv(provenance.ENV, str(folder))
    monkeypatch.delenv("CI", raising=False)
    return folder


def problems(strict: bool = True) -> list[str]:
    _, report, _ = check(Path("data"))
    return [str(p) for p in ordered(report.problems) if strict or not p.warning]


def test_a_quote_found_through_whitespace_hyphen_and_quote_mark_variants_validates(documents):
    assert problems() == []


def test_validate_refuses_a_quote_that_is_not_in_its_document(documents):
    text = documents.parent.joinpath("data", "studies.yaml").read_text(encoding="utf-8")
    text = text.replace("      quote: Work support may increase return to work.",
                        "      quote: Work support doubles return to work.")
    (documents.parent / "data" / "studies.yaml").write_text(text, encoding="utf-8")
    expected = (f"data/studies.yaml:{line_of(text, 'quote: Work support doubles')}: smith-2020-f1.quote: not found in "
                "published-facts.md (compared without whitespace, hyphen and quote-mark variants): "
                "'Work support doubles return to work.'")
    assert problems() == [expected]
    result = CliRunner().invoke(cli, ["validate", "--strict"])
    assert result.exit_code == 1 and expected in result.output
    assert f"Provenance: every quote checked against 6 documents ({documents})" in result.output
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(provenance.ENV, "off")
        assert "Provenance not checked: EVIDENCE_DOCUMENTS=off" in CliRunner().invoke(cli, ["validate"]).output


def test_effect_and_comparator_risk_quotes_are_checked(project, documents):
    text = project.edit("      quote: Work support may increase return to work.\n",
                        "      quote: Work support may increase return to work.\n"
                        + RR_WITH_COMPARATOR_RISK.replace("RR 1.23 (1.08 to 1.39)", "RR 1.32 (1.08 to 1.39)"))
    assert problems() == [f"data/studies.yaml:{line_of(text, 'effect_quote:')}: smith-2020-f1.effect_quote: not found in "
                          "published-facts.md (compared without whitespace, hyphen and quote-mark variants): "
                          "'RR 1.32 (1.08 to 1.39)'"]
    text = project.edit("RR 1.32", "RR 1.23")
    text = project.edit("comparator_risk_quote: 627 per 1000", "comparator_risk_quote: 672 per 1000")
    assert problems() == [f"data/studies.yaml:{line_of(text, 'comparator_risk_quote:')}: "
                          "smith-2020-f1.comparator_risk_quote: not found in published-facts.md (compared without "
                          "whitespace, hyphen and quote-mark variants): '672 per 1000'"]


GUIDELINE_YAML = """\
- id: q1
  module: Module
  question: Wat werkt?
  source_document: published-facts.md
  source_locator: Uitgangsvraag
  quote: "'usual care'"
  findings: [smith-2020-f1]
  recommendations:
    - id: r1
      audience: all
      kind: recommendation
      text: Doe iets.
      source_locator: Aanbeveling
      quote: return to work
      evidence_basis: no_evidence_found
      evidence_basis_quote: there is no evidence at all
"""


def test_guideline_and_evidence_basis_quotes_are_checked_in_the_question_document(project, documents):
    project.write("guideline.yaml", GUIDELINE_YAML)
    assert problems() == [f"data/guideline.yaml:{line_of(GUIDELINE_YAML, 'evidence_basis_quote')}: "
                          "q1-r1.evidence_basis_quote: not found in published-facts.md (compared without whitespace, "
                          "hyphen and quote-mark variants): 'there is no evidence at all'"]


def test_a_document_term_that_is_not_a_source_document_is_an_error(project, documents):
    (documents / "004_cbb39e1a6a6c5f41.txt").unlink()
    vocabulary = (project.data / "vocabulary" / "document.yaml").read_text(encoding="utf-8")
    assert problems() == [f"data/vocabulary/document.yaml:{line_of(vocabulary, '004_cbb39e1a6a6c5f41.txt:')}: "
                          f"document.004_cbb39e1a6a6c5f41.txt: '004_cbb39e1a6a6c5f41.txt' is not among the source "
                          f"documents ({documents})"]


def test_missing_documents_say_provenance_was_not_checked_and_fail_under_ci(project, monkeypatch):
    missing = project.root / "nowhere"
    monkeypatch.setenv(provenance.ENV, str(missing))
    monkeypatch.delenv("CI", raising=False)
    project.edit("      quote: Work support may increase return to work.", "      quote: made up")
    notice = (f"{missing}:1: warning: provenance was NOT checked: the source documents are not at {missing}; put them "
              f"there or set EVIDENCE_DOCUMENTS to their folders and files (separated by '{os.pathsep}')")
    assert problems() == [notice]
    assert problems(strict=False) == []  # a warning: fails --strict only
    assert CliRunner().invoke(cli, ["validate", "--strict"]).exit_code == 1
    monkeypatch.setenv("CI", "true")
    assert problems() == [notice.replace("warning: ", "")]
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 1


def test_the_default_location_is_shared_beside_the_repository(tmp_path, monkeypatch):
    monkeypatch.delenv(provenance.ENV, raising=False)
    assert provenance.locations(tmp_path / "repo" / "data") == [tmp_path / "shared" / "seeds",
                                                              tmp_path / "shared" / "published-facts.md"]
    monkeypatch.setenv(provenance.ENV, "off")
    assert provenance.locations(tmp_path / "repo" / "data") is None


@needs_shared
def test_validate_strict_checks_the_real_quotes_and_refuses_a_made_up_one(tmp_path, monkeypatch):
    """The issue's case: a made-up quote under source_document published-facts.md in the real data."""
    monkeypatch.delenv(provenance.ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert CliRunner().invoke(cli, ["validate", "--strict", "--data", str(ROOT / "data")]).exit_code == 0
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.setenv(provenance.ENV, f"{SEEDS}{os.pathsep}{SHARED / 'published-facts.md'}")
    studies = tmp_path / "data" / "studies.yaml"
    text = studies.read_text(encoding="utf-8")
    lines = text.split("\n")
    at = lines.index("      source_document: published-facts.md")  # a finding read in published-facts.md
    start = next(i for i in range(at, len(lines)) if lines[i].startswith("      quote: "))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("        "))
    lines[start:end] = ["      quote: Return to work doubled in every trial."]
    text = "\n".join(lines)
    studies.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--strict", "--data", str(tmp_path / "data")])
    assert result.exit_code == 1
    line = start + 1
    assert re.search(rf"studies\.yaml:{line}: [a-z0-9-]+\.quote: not found in published-facts\.md", result.output), result.output
