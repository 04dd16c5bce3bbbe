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


def test_a_pooled_finding_presented_in_full():
    # the dat.bcg REML result (metafor docs/reference/rma.uni.html: RR 0.49 (0.34 to 0.70), I² 92.22%, PI 0.15
    # to 1.55) with anticipated absolute effects for 100 per 1000 (100 × 0.4894 = 48.9; 34.4; 69.6 by hand)
    f = finding(effect_measure="RR", effect=0.49, ci_lower=0.34, ci_upper=0.7, studies_n=13, participants_n=357347,
                certainty="low", risk_of_bias=-1, risk_of_bias_note="Unblinded.", inconsistency=-1, indirectness=0,
                imprecision=0, publication_bias=0, effect_quote="RR 0.49", effect_source_document="published-facts.md",
                pooled_k=13, pooled_effect=0.4894, pooled_ci_lower=0.3441, pooled_ci_upper=0.6962, pooled_i2=92.22,
                pooled_pi_lower=0.1546, pooled_pi_upper=1.5490, comparator_risk=100, intervention_risk=48.94,
                intervention_risk_ci_lower=34.41, intervention_risk_ci_upper=69.62, risk_difference=-51.06,
                risk_difference_ci_lower=-65.59, risk_difference_ci_upper=-30.38, follow_up_months_min=12)
    view = present(f)
    assert view.effect == "RR 0.49 (0.34 to 0.7)"
    assert view.studies == "13 (357347)"
    assert view.certainty == "⊕⊕◯◯ low"
    assert [(r["domain"], r["value"], r["note"], r["judgement"]) for r in view.domains] == [
        ("risk of bias", -1, "Unblinded.", "serious (−1)"), ("inconsistency", -1, None, "serious (−1)"),
        ("indirectness", 0, None, "no serious concern"), ("imprecision", 0, None, "no serious concern"),
        ("publication bias", 0, None, "no serious concern")]
    assert view.domains_note is None
    assert view.footnotes == ["Risk of bias: rated down one level (serious concern). Unblinded.",
                              "Inconsistency: rated down one level (serious concern).",
                              "Effect estimate read in published-facts.md."]
    assert view.absolute == {"comparator": "100 per 1000", "intervention": "49 per 1000 (34 to 70)",
                             "difference": "51 fewer per 1000 (from 66 fewer to 30 fewer)", "capped": None}
    assert view.pooled == "RR 0.49 (0.34 to 0.70); 13 studies; I² 92%; prediction interval 0.15 to 1.55"
    assert view.details == [("follow_up_months_min", FindingFields.model_fields["follow_up_months_min"].description, 12)]
    assert present(f, vocab=None).certainty == "⊕⊕◯◯ low"  # the package's scales when none is given


def test_a_single_pooled_study_and_what_is_left_out():
    from evidence.presenter import absolute_effects, number, pooled_text

    assert pooled_text(finding(effect_measure="MD", pooled_k=1, pooled_effect=2.0, pooled_ci_lower=1.02,
                               pooled_ci_upper=2.98)) == "MD 2.00 (1.02 to 2.98); 1 study"
    assert pooled_text(finding(effect_measure="RR", pooled_k=2, pooled_effect=0.5, pooled_ci_lower=0.25,
                               pooled_ci_upper=1.0, pooled_i2=0.0)) == "RR 0.50 (0.25 to 1.00); 2 studies; I² 0%"
    assert pooled_text(finding()) is None and absolute_effects(finding()) is None
    assert number(None) == "" and number(1652.0) == "1652"


def test_partly_reported_studies_and_unreported_domains():
    assert studies_text(finding(studies_n=4)) == "4 (?)"
    assert studies_text(finding(participants_n=434)) == "? (434)"
    rows = domain_rows(finding(risk_of_bias=-1, large_effect=1))  # only one domain reported, and an upgrade
    assert [(r["domain"], r["value"], r["judgement"]) for r in rows] == [
        ("risk of bias", -1, "serious (−1)"), ("inconsistency", None, "not reported"),
        ("indirectness", None, "not reported"), ("imprecision", None, "not reported"),
        ("publication bias", None, "not reported"), ("large effect", 1, "rated up (+1)")]
    assert [r["note"] for r in rows] == [None] * 6
    f = finding(effect_quote="RR 1", effect_source_document="published-facts.md", effect_source_locator="table 2")
    assert footnotes(f) == ["Effect estimate read in table 2."]  # the locator, when there is one


def test_details_leave_out_empty_and_false_values():
    class WithFlags(FindingFields):
        flag: Optional[bool] = Field(default=None, description="A flag.")
        label: Optional[str] = Field(default=None, description="A label.")

    assert details({**finding(), "flag": False, "label": ""}, WithFlags) == []
    assert details({**finding(), "flag": True, "label": "XXXX"}, WithFlags) == [("flag", "A flag.", True),
                                                                                  ("label", "A label.", "XXXX")]


def test_relative_and_continuous_effects_as_a_sof_table_reads_them():
    from evidence.presenter import continuous_text, is_ratio, participants_text, relative_text

    rr = finding(effect_measure="RR", effect=0.95, ci_lower=0.85, ci_upper=1.05)
    assert is_ratio(rr) and relative_text(rr) == "RR 0.95 (0.85 to 1.05)" and continuous_text(rr) is None
    assert relative_text(finding(effect_measure="RR")) is None and not is_ratio(finding())
    # GRADE's plain wording for MD and SMD (evidence.synthesis.absolute; tests/test_synthesis_absolute.py)
    md = finding(effect_measure="MD", effect=2.5, ci_lower=1.1, ci_upper=3.9)
    assert relative_text(md) is None and continuous_text(md) == "MD 2.5 higher (1.1 higher to 3.9 higher)"
    smd = finding(effect_measure="SMD", effect=-0.35, ci_lower=-0.56, ci_upper=-0.14)
    assert continuous_text(smd) == "SMD 0.35 SD lower (0.56 lower to 0.14 lower)"
    assert continuous_text(finding(effect_measure="SMD", effect=0.4)) == "SMD 0.4"  # without a CI: as recorded
    assert continuous_text(finding(effect_measure="MD")) is None and continuous_text(finding(effect=1.0)) is None
    # № of participants (studies), as GRADEpro prints it
    assert participants_text(finding(studies_n=4, participants_n=434)) == "434 (4 studies)"
    assert participants_text(finding(studies_n=1, participants_n=120)) == "120 (1 study)"
    assert participants_text(finding(participants_n=434)) == "434"
    assert participants_text(finding(studies_n=2)) == "(2 studies)"
    assert participants_text(finding()) is None


def test_present_uses_the_vocabulary_and_model_it_is_given():
    from evidence.vocabulary import Vocabulary, scales

    class WithNewField(FindingFields):
        risk_of_harm_note: Optional[str] = Field(default=None, description="A field added later.")

    kinds = scales().kinds
    dutch = Vocabulary({**kinds,
                        "certainty": {k: {**t, "name": t["name_nl"]} for k, t in kinds["certainty"].items()},
                        "domain_rating": {k: {**t, "name": t["name_nl"], "footnote": f"({t['name_nl']})"}
                                          for k, t in kinds["domain_rating"].items()}})
    f = {**finding(certainty="low", risk_of_bias=-1, inconsistency=0, indirectness=0, imprecision=0,
                   publication_bias=0), "risk_of_harm_note": "Shown"}
    view = present(f, WithNewField, dutch)
    assert view.certainty == "⊕⊕◯◯ " + kinds["certainty"]["low"]["name_nl"]
    assert view.domains[0]["judgement"] == kinds["domain_rating"]["-1"]["name_nl"]
    assert view.footnotes == [f"Risk of bias: rated down ({kinds['domain_rating']['-1']['name_nl']})."]
    assert view.details == [("risk_of_harm_note", "A field added later.", "Shown")]


def test_the_favoured_arm_reads_the_outcomes_desirable_direction():
    from evidence.presenter import better_text, favoured

    def f(measure, effect, lower, upper, desirable):
        return {"effect_measure": measure, "effect": effect, "ci_lower": lower, "ci_upper": upper,
                "outcome_desirable": desirable}

    assert favoured(f("RR", 1.3, 1.1, 1.5, "higher")) == "intervention"  # more return to work
    assert favoured(f("RR", 1.3, 1.1, 1.5, "lower")) == "control"  # more sickness absence
    assert favoured(f("MD", -10.7, -21.1, -0.3, "lower")) == "intervention"
    assert favoured(f("MD", -10.7, -21.1, -0.3, "higher")) == "control"
    assert favoured(f("RR", 1.3, 0.9, 1.5, "higher")) is None  # the CI includes no effect
    assert favoured(f("RR", 1.3, 1.1, 1.5, None)) is None  # the vocabulary does not say
    assert better_text(f("MD", 1, 0, 2, "lower")) == "lower is better" and better_text(f("MD", 1, 0, 2, None)) is None


def test_absolute_effects_capped_at_1000_are_marked_and_explained():
    """Issue #24 item 8: comparator risk 700 with RR 2 (1.5 to 3) gives 1400 (1050 to 2100) per 1000 by
    ACR·RR (by hand), capped at 1000; a zero-width '1000 to 1000' must not pass for a precise estimate."""
    from evidence.presenter import absolute_effects
    from evidence.synthesis.findings import absolute_columns

    f = {"comparator_risk": 700, "effect_measure": "RR", "effect": 2.0, "ci_lower": 1.5, "ci_upper": 3.0}
    a = absolute_effects({**f, **absolute_columns(f)})
    assert a["intervention"] == "1000† per 1000 (1000† to 1000†)"
    assert a["difference"] == "300 more† per 1000 (from 300 more† to 300 more†)"
    assert a["capped"] == ("† Capped at 1000 per 1000: the risk ratio applied to a comparator risk of 700 per 1000 "
                           "gives up to 2100 per 1000, which no risk can be; the relative effect cannot hold at this "
                           "comparator risk.")
    # kumar-2017-f1 as data/studies.yaml records it from published-facts.md: RR 1.80 (0.74 to 4.39), comparator
    # risk 278 per 1000; by hand 278·1.80 = 500.4, 278·0.74 = 205.7, 278·4.39 = 1220.4: only the upper bound capped
    g = {"comparator_risk": 278, "effect_measure": "RR", "effect": 1.80, "ci_lower": 0.74, "ci_upper": 4.39}
    b = absolute_effects({**g, **absolute_columns(g)})
    assert b["intervention"] == "500 per 1000 (206 to 1000†)"
    assert b["difference"] == "222 more per 1000 (from 72 fewer to 722 more†)"
    assert "gives up to 1220 per 1000" in b["capped"]
    assert absolute_effects({**g, "ci_upper": 3.0, **absolute_columns({**g, "ci_upper": 3.0})})["capped"] is None
