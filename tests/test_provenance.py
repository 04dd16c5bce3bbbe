"""Provenance of the curated data: every quote is in the document it names, every GRADE conclusion
of the guideline module is curated with its certainty, and every identifier can be traced.

Needs ../shared (the source documents) beside the repository; skipped with a reason without it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED, query

SEEDS = SHARED / "seeds"
if not SEEDS.is_dir():
    pytest.skip(f"{SEEDS} not found: the provenance checks need the source documents beside the repo",
                allow_module_level=True)

GUIDELINE = "002_9160572386489848.txt"
DOCUMENTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
DOCUMENTS["published-facts.md"] = (SHARED / "published-facts.md").read_text(encoding="utf-8")
LEVEL_WORDS = {"High": "high", "Moderate": "moderate", "Low": "low", "Very low": "very_low"}


def squeeze(text: str) -> str:
    """Text without whitespace (incl. no-break spaces) and with one kind of hyphen, for verbatim checks."""
    text = text.replace("\u2010", "-").replace("\u2011", "-").replace("\u00ad", "")
    return re.sub(r"\s+", "", text)


def variants(text: str) -> tuple[str, str]:
    """The document as printed, and with words hyphenated across a line break joined again."""
    joined = re.sub(r"(?<=\w)[-\u2010]\s*\n\s*(?=\w)", "", text)
    return squeeze(text), squeeze(joined)


SQUEEZED = {name: variants(text) for name, text in DOCUMENTS.items()}


def quoted(document: str, quote: str) -> bool:
    return any(squeeze(quote) in variant for variant in SQUEEZED[document])


def rows(db: Path, sql: str) -> list[tuple]:
    return query(db, sql)


def test_squeeze_handles_line_breaks_hyphenation_and_no_break_spaces():
    assert squeeze("kosten\u2010baten\u00a0verhouding\n van") == "kosten-batenverhoudingvan"
    assert variants("return-to-\nwork ok")[1] == "return-toworkok"
    assert variants("re\u2010\nintegratie")[0] == "re-integratie"


def test_every_quote_is_in_its_document(real_db):
    missing = []
    for table in ("findings", "economic_evaluations"):
        for id_, document, quote in rows(real_db, f"select id, source_document, quote from {table}"):
            if document not in DOCUMENTS:
                missing.append(f"{id_}: unknown document {document!r}")
            elif not quoted(document, quote):
                missing.append(f"{id_}: quote not found in {document}: {quote[:70]!r}")
    assert missing == []


def test_every_effect_quote_is_in_its_document(real_db):
    sql = "select id, effect_source_document, effect_quote from findings where effect_quote is not null"
    found = rows(real_db, sql)
    assert found, "no effect estimates curated"
    assert [id_ for id_, document, quote in found if document not in DOCUMENTS or not quoted(document, quote)] == []


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
