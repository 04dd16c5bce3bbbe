"""The one presenter of a finding: what the finding page, SoF tables and FHIR narrative print."""

from __future__ import annotations

from typing import Optional

from sqlmodel import Field

from evidence.presenter import details, domain_rows, effect_text, footnotes, present, studies_text
from evidence.schema import GRADE_DOMAINS, GRADE_UPGRADES, FindingFields

BLANK = {name: None for name in FindingFields.model_fields}


def finding(**values) -> dict:
    return {**BLANK, **values}


def test_effect_with_and_without_its_confidence_interval():
    assert effect_text(finding(effect_measure="RR", effect=0.95, ci_lower=0.85, ci_upper=1.05)) == "RR 0.95 (0.85 to 1.05)"
    assert effect_text(finding(effect_measure="HR", effect=1.2)) == "HR 1.2"
    assert effect_text(finding()) == "not reported"


def test_studies_with_participants_in_brackets():
    assert studies_text(finding(studies_n=4, participants_n=434)) == "4 (434)"
    assert studies_text(finding()) == "not reported"


def test_footnotes_rate_down_and_up_with_the_vocabulary_phrases():
    f = finding(risk_of_bias=-1, risk_of_bias_note="Unblinded.", imprecision=-2, large_effect=1,
                **{d: 0 for d in GRADE_DOMAINS if d not in ("risk_of_bias", "imprecision")})
    assert footnotes(f) == [
        "Risk of bias: rated down one level (serious concern). Unblinded.",
        "Imprecision: rated down two levels (very serious concern).",
        "Large effect: rated up 1 level(s).",
    ]


def test_domains_are_not_listed_when_the_source_reports_none():
    view = present(finding(certainty="moderate"))
    assert view.domains == [] and "does not report the reasons" in view.domains_note
    assert present(finding()).domains_note is None  # not GRADE-rated: nothing to explain


def test_domain_judgements_in_words():
    rows = domain_rows(finding(**{**{d: 0 for d in GRADE_DOMAINS}, "risk_of_bias": -2, "dose_response": 1}))
    assert [(r["domain"], r["judgement"]) for r in rows] == [
        ("risk of bias", "very serious (−2)"), ("inconsistency", "no serious concern"),
        ("indirectness", "no serious concern"), ("imprecision", "no serious concern"),
        ("publication bias", "no serious concern"), ("dose response", "rated up (+1)")]
    assert set(GRADE_UPGRADES) >= {"dose_response"}


def test_a_new_schema_field_is_shown_without_editing_the_page():
    class WithNewField(FindingFields):
        risk_of_harm_note: Optional[str] = Field(default=None, description="A field added later.")

    f = {**finding(), "risk_of_harm_note": "Shown anyway", "grade_assessor": "laid out elsewhere"}
    assert ("risk_of_harm_note", "A field added later.", "Shown anyway") in details(f, WithNewField)
    assert all(name != "grade_assessor" for name, _, _ in details(f, WithNewField))
