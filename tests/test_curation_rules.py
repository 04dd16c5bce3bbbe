"""The curation rules (README.md, "Curation rules") that can be checked mechanically on data/.

Each test's docstring names the rule it checks. The data is read as the build reads it (libyaml's safe
loader): every ``*.yaml`` below ``data/`` except the curated vocabularies and the guideline file. Where a
rule needs the published facts (counts printed in the papers), the test reads
``../shared/published-facts.md`` and is skipped without it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SHARED

DATA = ROOT / "data"
FACTS = SHARED / "published-facts.md"

# The source blocks that stand for a whole document: a sentence that names no study sits here (rule 2).
DOCUMENT_SOURCES = {"fms-2024", "verkenning-2015", "nvka-slides", "arbocuratief-symposium"}
REVIEW_DESIGNS = {"cochrane_review", "systematic_review", "review_of_reviews"}


def source_files() -> list[Path]:
    return sorted(p for p in DATA.rglob("*.y*ml")
                  if p.suffix in {".yaml", ".yml"} and "vocabulary" not in p.relative_to(DATA).parts
                  and p.name != "guideline.yaml")


def load_sources() -> list[dict]:
    sources = []
    for path in source_files():
        with path.open(encoding="utf-8") as f:
            data = yaml.load(f, Loader=yaml.CSafeLoader)
        sources.extend(data or [])
    return sources


SOURCES = load_sources()
BY_ID = {s["id"]: s for s in SOURCES}
FINDINGS = [(s, f, f"{s['id']}-{f['id']}") for s in SOURCES for f in s.get("findings") or []]
EVALUATIONS = [(s, e, f"{s['id']}-{e['id']}") for s in SOURCES for e in s.get("economic_evaluations") or []]
RECORDS = FINDINGS + EVALUATIONS


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- Rule 1: a verdict is never stronger than the source ------------------------------------------

# Phrases that give a NEGATIVE cost-effectiveness verdict. They are the only wording that supports
# `not_cost_effective`: "niet aangetoond" / "geen bewijs voor kosten-effectiviteit" / "not demonstrated"
# say that cost-effectiveness was not shown (an absence of evidence, `not_demonstrated`), and "the
# financial benefits do not outweigh the costs" is a financial cost-benefit result (`not_cost_saving`).
# Neither is a verdict that the care is not cost-effective, so neither is listed here.
NEGATIVE_VERDICT = re.compile(
    r"\bnot\s+cost[\s-]?effective\b"            # English: "is not cost-effective"
    r"|\bneither\s+cost[\s-]?effective\b"       # English: "neither cost-effective, nor effective"
    r"|\bniet\s+kosten[\s-]?effectief\b"        # Dutch: "is niet kosteneffectief" / "niet kosten-effectief"
    r"|\bgeen\s+kosten[\s-]?effectieve\b",      # Dutch: "geen kosteneffectieve interventie"
    re.I,
)
# Phrases that say cost-effectiveness (or an effect) was NOT SHOWN.
NOT_SHOWN = re.compile(r"\bniet\s+aangetoond\b|\bgeen\s+bewijs\b|\bnot\s+(been\s+)?demonstrated\b"
                       r"|\bno\s+evidence\b|\binsufficient\s+evidence\b", re.I)
# Hedges in a quote (Dutch and English). "mogelijk" is a hedge except in idioms such as "zoveel
# mogelijk" (as much as possible); "kunnen/kan ... hebben/zijn" is the Dutch modal of possibility
# ("kleine positieve effecten kunnen hebben": may have small positive effects).
HEDGE_IN_QUOTE = re.compile(r"\b(lijken|lijkt|waarschijnlijk|may|probably|likely)\b"
                            r"|(?<!zoveel )(?<!zo goed )(?<!zo snel )(?<!indien )\bmogelijk\b"
                            r"|\b(kunnen|kan)\b[^.]{0,80}\b(hebben|zijn)\b", re.I)
# Hedges in the English statement.
HEDGE_IN_STATEMENT = re.compile(r"\b(may|might|probably|likely|appears?|seems?|possibly|uncertain|unclear|could)\b",
                                re.I)


def test_rule1_not_cost_effective_needs_a_negative_verdict_in_its_quote():
    """Rule 1: `not_cost_effective` only where the quote itself gives a negative verdict."""
    wrong = [id_ for _, e, id_ in EVALUATIONS
             if e["conclusion"] == "not_cost_effective" and not NEGATIVE_VERDICT.search(e["quote"])]
    assert wrong == []


def test_rule1_not_shown_is_not_demonstrated_or_uncertain():
    """Rule 1: "niet aangetoond" / "geen bewijs" / "no evidence" in the quote means not demonstrated:
    an economic evaluation is `not_demonstrated` or `uncertain`, a finding `no_evidence` or `uncertain`."""
    wrong = [id_ for _, e, id_ in EVALUATIONS
             if NOT_SHOWN.search(e["quote"]) and e["conclusion"] not in {"not_demonstrated", "uncertain"}]
    wrong += [id_ for _, f, id_ in FINDINGS
              if NOT_SHOWN.search(f["quote"]) and f["direction"] not in {"no_evidence", "uncertain"}]
    assert wrong == []


def test_rule1_and_rule3_a_hedged_verdict_stays_hedged():
    """Rules 1 and 3: an economic verdict whose quote hedges ("lijken", "may") is not recorded as a
    firm verdict (cost-effective, cost-saving or not cost-effective)."""
    firm = {"cost_effective", "cost_saving", "not_cost_effective"}
    wrong = [id_ for _, e, id_ in EVALUATIONS if HEDGE_IN_QUOTE.search(e["quote"]) and e["conclusion"] in firm]
    assert wrong == []


# --- Rule 2: a result belongs to the study that produced it ---------------------------------------

def test_rule2_protocols_carry_no_results():
    """Rule 2: a protocol carries no results: no findings and no economic evaluations."""
    wrong = [s["id"] for s in SOURCES
             if s["design"] == "protocol" and (s.get("findings") or s.get("economic_evaluations"))]
    assert wrong == []


def surname(source_id: str) -> str:
    """The first author's surname in a source id: 'van-gils-2012a' -> 'gils', 'de-boer-2024' -> 'boer'."""
    words = [w for w in source_id.split("-") if not re.match(r"\d", w)]
    return [w for w in words if w not in {"van", "de", "der", "den", "von"}][0]


def test_rule2_a_study_row_read_in_a_seed_names_its_study():
    """Rule 2: a row read in a seed document and filed under a study (not under the document's own
    block) names that study in its quote, locator or note, or its source's note says how it was
    attributed. A sentence that names no study belongs under the document's block."""
    wrong = []
    for s, r, id_ in RECORDS:
        if s["id"] in DOCUMENT_SOURCES or r["source_document"] == "published-facts.md":
            continue
        text = " ".join(str(x) for x in (r["quote"], r["source_locator"], r.get("note"), s.get("note")))
        if surname(s["id"]) not in text.lower():
            wrong.append(id_)
    assert wrong == []


# --- Rule 3: hedges survive translation -------------------------------------------------------------

def test_rule3_a_hedge_in_the_quote_is_a_hedge_in_the_statement():
    """Rule 3: every finding or evaluation whose quote hedges (lijken, mogelijk, waarschijnlijk,
    kunnen hebben, may, probably, likely) has a hedge in its statement."""
    wrong = [id_ for _, r, id_ in RECORDS
             if HEDGE_IN_QUOTE.search(r["quote"]) and not HEDGE_IN_STATEMENT.search(r["statement"])]
    assert wrong == []


# --- Rule 5: a finding is a result, not a research question -----------------------------------------

QUESTION = re.compile(r"\bwhether\b|\bof\b.{0,160}\beffect heeft\b|\?\s*$|^(is|does|do|what|which|how)\b", re.I)
APPRAISAL = {"satisfaction", "patient_satisfaction", "professional_appraisal", "unmet_need"}


def test_rule5_no_research_question_as_a_statement():
    """Rule 5: no statement is phrased as a research question ("whether …", "of … effect heeft", "…?")."""
    wrong = [id_ for _, r, id_ in RECORDS if QUESTION.search(squeeze(r["statement"]))]
    assert wrong == []


def test_rule5_satisfaction_is_descriptive_not_a_benefit_against_a_comparator():
    """Rule 5: an uncontrolled satisfaction or appraisal result is `descriptive`, with no comparator."""
    wrong = [id_ for _, f, id_ in FINDINGS
             if f["outcome"] in APPRAISAL and (f["direction"] != "descriptive" or f.get("comparator"))]
    wrong += [id_ for _, f, id_ in FINDINGS if f["direction"] == "descriptive" and f.get("comparator")]
    assert wrong == []


# --- Rule 6: one result, one row --------------------------------------------------------------------

def test_rule6_same_result_as_points_at_a_finding_with_the_same_condition_and_outcome():
    """Rule 6: every `same_result_as` names another finding with the same condition and outcome,
    which is not itself a repeat, and the repeat says why in a note."""
    findings = {id_: f for _, f, id_ in FINDINGS}
    wrong = []
    for _, f, id_ in FINDINGS:
        target = f.get("same_result_as")
        if not target:
            continue
        first = findings.get(target)
        if (first is None or target == id_ or first.get("same_result_as")
                or (first["condition"], first["outcome"]) != (f["condition"], f["outcome"]) or not f.get("note")):
            wrong.append(id_)
    assert wrong == []


def test_rule6_one_quote_one_row_per_source_condition_and_outcome():
    """Rule 6: a source does not record the same quote twice for the same condition, outcome,
    intervention type and direction (or verdict): that would be one result in two rows."""
    seen = defaultdict(list)
    for s, f, id_ in FINDINGS:
        seen[(s["id"], squeeze(f["quote"]), f["condition"], f["outcome"], f["intervention_type"], f["direction"])].append(id_)
    for s, e, id_ in EVALUATIONS:
        seen[(s["id"], squeeze(e["quote"]), e["condition"], "economic", e.get("intervention_type"), e["conclusion"])].append(id_)
    assert [ids for ids in seen.values() if len(ids) > 1] == []


def test_rule6_a_linked_pair_agrees_on_condition_outcome_and_intervention_type():
    """Rule 6: a repeat (finding or economic evaluation) carries the coding of the result it repeats,
    and an economic repeat points at an evaluation that is not itself a repeat."""
    records = {id_: r for _, r, id_ in RECORDS}
    wrong = []
    for _, r, id_ in RECORDS:
        first = records.get(r.get("same_result_as") or "")
        if r.get("same_result_as") and (
                first is None or first.get("same_result_as") or not r.get("note")
                or (first["condition"], first.get("outcome"), first.get("intervention_type"))
                != (r["condition"], r.get("outcome"), r.get("intervention_type"))):
            wrong.append(id_)
    assert wrong == []


# --- Rule 9: a single trial's null result is uncertain ----------------------------------------------

NULL_RESULT = re.compile(r"\bno (differences?|effect)\b|\bnot significant\b", re.I)


def test_rule9_a_single_trial_null_result_without_grade_is_uncertain():
    """Rule 9: a finding without a GRADE rating whose statement reports no difference, no effect or a
    non-significant difference is `uncertain`, never `little_or_no_difference` (tamminga-2019-f1/f2,
    van-vilsteren-*, van-gils-2012a-f3, vlasveld-2013-f2 are such results)."""
    null = [(id_, f["direction"]) for _, f, id_ in FINDINGS
            if not f.get("certainty") and NULL_RESULT.search(squeeze(f["statement"]))]
    assert len(null) >= 6
    assert [id_ for id_, direction in null if direction != "uncertain"] == []
    assert [id_ for _, f, id_ in FINDINGS
            if f["direction"] == "little_or_no_difference" and not f.get("certainty")] == []


def test_rule8_ongoing_sources_carry_no_results():
    """Rule 8: an ongoing pilot or planned evaluation is a source without findings or evaluations."""
    assert [s["id"] for s in SOURCES if s["status"] == "ongoing"
            and (s.get("findings") or s.get("economic_evaluations"))] == []


# --- Rule 7: counts belong to the comparison --------------------------------------------------------

# Totals printed in published-facts.md for a whole source, with the words they are printed with (the
# test checks that the words are there, so the table cannot drift from the file).
PUBLISHED_TOTALS = {
    "de-boer-2011": (1652, "1652 participants"),
    "de-boer-2015": (1835, "1835 patients"),
    "de-boer-2024": (1477, "1477 people"),
    "kumar-2017": (790, "790 participants"),
    "nieuwenhuijsen-2020": (12109, "12,109 participants"),
    "lambeek-2010a": (134, "n=134"),
    "bouwsma-2018a": (433, "n=433"),
    "tamminga-2019": (106, "n=106"),
    "vlasveld-2013": (126, "n=126"),
    "van-vilsteren-one-year-effects": (150, "n=150"),
    "roels-2016": (201, "(201 patients)"),
}


@pytest.mark.skipif(not FACTS.is_file(), reason=f"{FACTS} not found: the counts are tied to the published facts")
def test_rule7_participants_are_not_more_than_the_published_total():
    """Rule 7: a finding's participants_n is the comparison's: never more than the total printed for its
    source in published-facts.md, and for a review with several comparisons less than the whole review's."""
    facts = squeeze(FACTS.read_text(encoding="utf-8"))
    assert [w for _, w in PUBLISHED_TOTALS.values() if w not in facts] == []
    wrong = []
    for s, f, id_ in FINDINGS:
        n = f.get("participants_n")
        if n is None or s["id"] not in PUBLISHED_TOTALS:
            continue
        total = PUBLISHED_TOTALS[s["id"]][0]
        if n > total or (s["design"] in REVIEW_DESIGNS and n >= total and s["id"] != "roels-2016"):
            wrong.append(f"{id_}: {n} of {total}")
    assert wrong == []


# --- Rule 8: status shows wherever a finding is listed ---------------------------------------------

def bib_dois() -> dict[str, str]:
    text = (DATA / "references.bib").read_text(encoding="utf-8")
    dois = {}
    for key, body in re.findall(r"@\w+\{([^,\s]+),(.*?)\n\}", text, re.S):
        m = re.search(r"\bdoi\s*=\s*\{([^}]*)\}", body, re.I)
        if m:
            dois[key] = m.group(1).strip().lower()
    return dois


def test_rule8_earlier_versions_of_a_review_are_superseded():
    """Rule 8: of the versions of one Cochrane review (one CD number, DOIs .pubN), every version but the
    latest has status `superseded`, and the latest does not."""
    dois = bib_dois()
    versions = defaultdict(list)
    for s in SOURCES:
        doi = dois.get(s["citation_key"], "")
        m = re.match(r"(10\.1002/14651858\.cd\d+)\.pub(\d+)$", doi)
        if m:
            versions[m.group(1)].append((int(m.group(2)), s["id"], s["status"]))
    assert versions, "no Cochrane reviews with versioned DOIs found"
    wrong = []
    for found in versions.values():
        found.sort()
        wrong += [id_ for _, id_, status in found[:-1] if status != "superseded"]
        wrong += [id_ for _, id_, status in found[-1:] if status == "superseded"]
    assert wrong == []


def test_rule8_every_status_is_a_known_one():
    """Rule 8: every source has one of the statuses of the scale (the lists mark them)."""
    allowed = {"included", "awaiting_classification", "ongoing", "excluded", "related", "superseded"}
    assert [s["id"] for s in SOURCES if s["status"] not in allowed] == []


# --- Taxonomy ------------------------------------------------------------------------------------------

def test_every_economic_evaluation_has_an_intervention_type():
    """One taxonomy: economic evaluations are coded with an intervention type like findings."""
    assert [id_ for _, e, id_ in EVALUATIONS if not e.get("intervention_type")] == []


def test_every_intervention_family_has_a_description():
    """One taxonomy: every family (a term without a parent that others name as parent) is described."""
    with (DATA / "vocabulary" / "intervention_type.yaml").open(encoding="utf-8") as f:
        terms = yaml.load(f, Loader=yaml.CSafeLoader)
    parents = {t["parent"] for t in terms.values() if t.get("parent")}
    assert parents <= set(terms)
    assert [t for t in parents if not terms[t].get("description")] == []
    assert all(not terms[t].get("parent") for t in parents if t in {"work_directed_clinical_care",
                                                                      "person_directed_interventions",
                                                                      "vocational_and_workplace"})
