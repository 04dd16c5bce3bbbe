"""GRADE anticipated absolute effects (evidence.synthesis.absolute), checked by hand arithmetic."""

from __future__ import annotations

import pytest

from evidence.synthesis.absolute import (anticipated_absolute, intervention_risk, md_text, more_fewer, per_1000,
                                         smd_text)


def test_risk_ratio_example():
    # ACR 627 per 1000, RR 1.23 (1.08 to 1.39):
    #   627 × 1.23 = 771.21 → 771;  627 × 1.08 = 677.16 → 677;  627 × 1.39 = 871.53 → 872
    #   differences: 771.21 - 627 = 144.21 → 144 more;  677.16 - 627 = 50.16 → 50 more;  871.53 - 627 = 244.53 → 245 more
    a = anticipated_absolute(627, "RR", 1.23, 1.08, 1.39)
    assert (a.risk, a.risk_lower, a.risk_upper) == pytest.approx((771.21, 677.16, 871.53))
    assert (a.difference, a.difference_lower, a.difference_upper) == pytest.approx((144.21, 50.16, 244.53))
    assert a.text() == "771 per 1000 (677 to 872)"
    assert a.difference_text() == "144 more per 1000 (from 50 more to 245 more)"


def test_odds_ratio_example():
    # ACR 200 per 1000 (0.2), OR 0.5 (0.25 to 1.0): risk = OR·ACR / (1 - ACR + OR·ACR)
    #   0.5·0.2 / (0.8 + 0.1) = 0.1/0.9 = 0.11111 → 111;  0.25·0.2 / (0.8 + 0.05) = 0.05/0.85 = 0.05882 → 59;
    #   1.0 → 200 (no change);  differences 111.11 - 200 = -88.89 → 89 fewer; 58.82 - 200 → 141 fewer; 0
    a = anticipated_absolute(200, "OR", 0.5, 0.25, 1.0)
    assert a.text() == "111 per 1000 (59 to 200)"
    assert a.difference_text() == "89 fewer per 1000 (from 141 fewer to 0 fewer)"


def test_hazard_ratio_example():
    # ACR 300 per 1000 by a time point, HR 0.5: risk = 1 - (1 - 0.3)^0.5 = 1 - 0.83666 = 0.16334 → 163
    assert intervention_risk(0.3, "HR", 0.5) == pytest.approx(1 - 0.7**0.5)
    a = anticipated_absolute(300, "HR", 0.5, 0.4, 0.6)
    # bounds: 1 - 0.7^0.4 = 0.13301 → 133;  1 - 0.7^0.6 = 0.19261 → 193
    assert a.text() == "163 per 1000 (133 to 193)"


def test_bounded_to_1000():
    # ACR 600, RR 2 (1.5 to 3): 1200, 900, 1800 per 1000 → bounded to 1000, 900, 1000
    a = anticipated_absolute(600, "RR", 2, 1.5, 3)
    assert (a.risk, a.risk_lower, a.risk_upper) == (1000, pytest.approx(900), 1000)
    assert a.difference == 400


def test_rounding_is_half_up_and_wording():
    assert per_1000(0.5) == 1 and per_1000(2.5) == 3 and per_1000(-0.4) == 0
    assert more_fewer(-12.4) == "12 fewer" and more_fewer(3.6) == "4 more"
    with pytest.raises(ValueError):
        intervention_risk(1.2, "RR", 1.0)
    with pytest.raises(ValueError):
        intervention_risk(0.2, "MD", 1.0)


def test_md_and_smd_wording():
    assert md_text(2.5, 1.1, 3.9, unit="points") == "MD 2.5 points higher (1.1 higher to 3.9 higher)"
    assert md_text(-4.0, -6.25, 0.5) == "MD 4.0 lower (6.3 lower to 0.5 higher)"  # half up
    assert smd_text(-0.35, -0.56, -0.14) == "SMD 0.35 SD lower (0.56 lower to 0.14 lower)"
    assert smd_text(0.0, -0.2, 0.2) == "SMD 0.00 SD (0.20 lower to 0.20 higher)"


def test_absolute_effect_guards_and_edges():
    import re

    def raises(message):
        return pytest.raises(ValueError, match=f"^{re.escape(message)}$")

    with raises("measure must be one of RR, OR, HR, not 'MD'"):
        intervention_risk(0.2, "MD", 1.0)
    with raises("the assumed comparator risk must lie between 0 and 1000 per 1000"):
        intervention_risk(-0.1, "RR", 1.0)
    for relative in (0.0, float("inf"), float("nan")):
        with raises("a relative effect must be a finite number greater than 0"):
            intervention_risk(0.2, "RR", relative)
    # the bounds of the comparator risk are allowed: 0 × RR = 0; 1 × RR 0.5 = 0.5 (by hand)
    assert intervention_risk(0.0, "RR", 2.0) == 0.0 and intervention_risk(1.0, "RR", 0.5) == 0.5
    assert anticipated_absolute(627, "RR", 1.23, 1.08, 1.39).comparator == 627
    assert more_fewer(1.0) == "1 more" and more_fewer(-1.0) == "1 fewer" and more_fewer(0.2) == "0 fewer"
