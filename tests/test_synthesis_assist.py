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
