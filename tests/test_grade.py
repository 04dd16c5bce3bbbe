"""GRADE rules as pure functions (../shared/grade-rules.md)."""

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.grade import (HEDGE, MAY, NO_DIFFERENCE, PROBABLY, VERY_UNCERTAIN, computed_certainty,
                            direction_from_wording, read_statement, wording_fits)

FROM_SEEDS = [
    ("Psycho-educational interventions probably result in little to no difference in return to work.", "moderate"),
    ("Physical interventions likely increase return to work at 12 months.", "moderate"),
    ("Supported employment may increase work participation at one year follow-up.", "low"),
    ("The evidence is very uncertain about the effect of physical training on work participation.", "very_low"),
    ("X reduces Y slightly.", "high"),
    ("X may reduce Y but the evidence is very uncertain.", "very_low"),
]


@pytest.mark.parametrize("statement,certainty", FROM_SEEDS)
def test_informative_statements_fit_their_certainty(statement, certainty):
    assert wording_fits(statement, certainty)


@pytest.mark.parametrize("statement,wrong", [
    ("X may increase Y.", "high"),
    ("X may increase Y.", "moderate"),
    ("X probably increases Y.", "low"),
    ("X probably increases Y.", "very_low"),
    ("The evidence is very uncertain about the effect of X on Y.", "low"),
    ("X increases Y.", "moderate"),
])
def test_wording_that_does_not_fit(statement, wrong):
    assert not wording_fits(statement, wrong)


def test_direction_from_wording():
    assert direction_from_wording("X may result in little to no difference in Y.", "low") == "little_or_no_difference"
    assert direction_from_wording("The evidence is very uncertain about X.", "very_low") == "uncertain"
    assert direction_from_wording("X may increase Y.", "low") is None


def domains(**values):
    base = dict(risk_of_bias=0, inconsistency=0, indirectness=0, imprecision=0, publication_bias=0)
    return {**base, **values}


def test_computed_certainty_rates_down_from_the_start():
    assert computed_certainty("high", domains()) == "high"
    assert computed_certainty("high", domains(risk_of_bias=-1)) == "moderate"
    assert computed_certainty("high", domains(risk_of_bias=-1, imprecision=-2)) == "very_low"
    assert computed_certainty("low", domains()) == "low"


def test_computed_certainty_is_bounded_and_rates_up():
    assert computed_certainty("high", domains(risk_of_bias=-2, imprecision=-2, inconsistency=-2)) == "very_low"
    assert computed_certainty("low", domains(large_effect=2)) == "high"
    assert computed_certainty("high", domains(large_effect=2)) == "high"


def test_no_computed_certainty_without_all_domains_or_a_start():
    assert computed_certainty("high", domains(publication_bias=None)) is None
    assert computed_certainty(None, domains()) is None


def test_every_randomised_design_starts_high_and_cohorts_low():
    # GRADE (../shared/grade-rules.md): randomised trials start at high, observational studies at low.
    from evidence.vocabulary import scales

    starts = {d: a["grade_start"] for d, a in scales().terms("design").items() if a["grade_start"]}
    assert starts == {"rct": "high", "cluster_rct": "high", "stepped_wedge_trial": "high", "cohort": "low"}
    assert {d: a["grade_start"] for d, a in scales().terms("evidence_design").items()} == {
        "randomised": "high", "non_randomised": "low"}


def test_very_low_reads_as_uncertain_whatever_the_wording():
    # ../shared/grade-rules.md: "very low as `uncertain`" — from the certainty alone, or from the phrase alone
    assert direction_from_wording("X may increase Y.", "very_low") == "uncertain"
    assert direction_from_wording("The evidence is very uncertain about the effect of X on Y.", "low") == "uncertain"
    assert direction_from_wording("The evidence is very uncertain about the effect of X on Y.", None) == "uncertain"


def test_low_certainty_needs_may():
    # ../shared/grade-rules.md: low is "'may', and neither 'probably'/'likely' nor 'very uncertain'"
    assert not wording_fits("X increases Y.", "low")
    assert not wording_fits("X may probably increase Y.", "low")


def _by_each_pattern(statement, certainty):
    """The wording rules as grade.py states them, every pattern searched (no key-word shortcut)."""
    very_uncertain, probably, may = (bool(p.search(statement)) for p in (VERY_UNCERTAIN, PROBABLY, MAY))
    fits = {"very_low": very_uncertain, "high": not very_uncertain and not HEDGE.search(statement),
            "moderate": not very_uncertain and probably, "low": not very_uncertain and may and not probably}
    direction = ("uncertain" if certainty == "very_low" or very_uncertain else
                 "little_or_no_difference" if NO_DIFFERENCE.search(statement) else None)
    return fits.get(certainty, not very_uncertain), direction


WORDS = ["the evidence is very uncertain", "very uncertain", "probably", "likely", "may", "little to no difference",
         "little or no effect", "X", "increases", " ", ".", "MAY", "Probably", "LİKELY", "mıy", "lıkely", "uncertaın",
         "ſ", "K", "maybe", "dismay", "unlikely", "very  uncertain", "ımay"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=3), max_size=8).map(" ".join),
       st.sampled_from(["high", "moderate", "low", "very_low", None, "other"]))
def test_reading_a_statement_once_gives_what_each_pattern_gives(statement, certainty):
    """read_statement skips a pattern whose key word is absent; re.IGNORECASE's odd letters (İ, ı, ſ, K)
    must not make it skip one that would match."""
    assert read_statement(statement, certainty) == _by_each_pattern(statement, certainty)
