"""GRADE assistance: suggestions from a pooled result."""

from __future__ import annotations

from evidence.synthesis import pool_studies
from evidence.synthesis.assist import optimal_information_size, suggestions


def test_optimal_information_size_two_proportions():
    # n per arm = (1.959964 + 0.841621)^2 * (0.2*0.8 + 0.15*0.85) / 0.05^2 = 7.848893 * 0.2875 / 0.0025
    #           = 902.62 -> 903 per arm, 1806 in total (worked by hand from the formula in the docstring)
    assert optimal_information_size(0.20) == 1806


def test_imprecision_and_inconsistency_suggestions():
    studies = [{"label": "A", "events_int": 10, "n_int": 50, "events_ctl": 12, "n_ctl": 50},
               {"label": "B", "events_int": 30, "n_int": 60, "events_ctl": 10, "n_ctl": 60},
               {"label": "C", "events_int": 5, "n_int": 40, "events_ctl": 15, "n_ctl": 40}]
    result = pool_studies(studies, "RR", "DL")
    text = " ".join(suggestions(result, participants=300, comparator_risk_per_1000=200))
    assert "includes no effect" in text and "fewer than the optimal information size of 1806" in text
    assert "Possible inconsistency: I²" in text


def test_suggestion_thresholds_by_hand():
    import dataclasses

    from evidence.synthesis.assist import includes, null_value

    # a 95% CI includes its bounds; an interval with a missing bound includes nothing
    assert includes(1.0, 2.0, 1.0) and includes(0.5, 1.0, 1.0)
    assert not includes(None, 2.0, 1.0) and not includes(1.0, None, 1.0)
    ratio = pool_studies([{"label": "A", "estimate": 0.5, "ci_lower": 0.25, "ci_upper": 1.0}], "RR", "FE")
    difference = pool_studies([{"label": "A", "estimate": 0.5, "se": 0.1}], "MD", "FE")
    assert null_value(ratio) == 1.0 and null_value(difference) == 0.0
    assert suggestions(difference) == []  # MD 0.5 (0.30 to 0.70) excludes 0; one study: no I²

    # OIS for a comparator risk of 200 per 1000 is 1806 (test above): 1806 participants are enough
    assert not any("optimal information size" in s for s in suggestions(difference, 1806, 200))
    assert any("fewer than the optimal information size" in s for s in suggestions(difference, 1805, 200))
    assert any("optimal information size" in s for s in suggestions(difference, 10, 1))  # 1 per 1000 is a risk
    assert not any("optimal information size" in s for s in suggestions(difference, 10, 1000))  # certain: no OIS

    # I² above 50% only (Cochrane Handbook 10.10.2), and none for a single study (I² undefined)
    assert suggestions(dataclasses.replace(difference, i2=50.0)) == []
    assert suggestions(dataclasses.replace(difference, i2=50.1)) == ["Possible inconsistency: I² = 50% (above 50%)."]

    # a prediction interval that includes no effect while the CI does not
    wide = dataclasses.replace(difference, pi_lower=-0.2, pi_upper=1.2)
    assert suggestions(wide) == ["Possible inconsistency: the prediction interval (-0.20 to 1.20) includes no effect."]
    both = dataclasses.replace(wide, ci_lower=-0.1)  # the CI includes 0 too: said once, as imprecision
    assert suggestions(both) == ["Possible imprecision: the 95% CI (-0.10 to 0.70) includes no effect."]
