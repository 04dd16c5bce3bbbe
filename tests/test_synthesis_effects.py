"""Per-study effect sizes (evidence.synthesis.effects) against metafor's escalc() results.

Sources (read from the stored snapshots, never from memory):
  [README]   wviechtb/metafor README.md (commit 71ae8f5) — escalc(measure="RR") print-out for dat.bcg
  [ESCALC]   wviechtb/metafor tests/testthat/test_misc_escalc.r — SMD for dat.normand1999[1:4]
  [NORMAND]  wviechtb/metafor tests/testthat/test_analysis_example_normand1999.r — Normand (1999)
             Tables III and VIII (RD for dat.hine1989, MD for dat.normand1999 with pooled SDs)
Data: tests/data/dat_bcg.csv, dat_normand1999.csv, dat_hine1989.csv, copied from wviechtb/metadat
data-raw/dat.bcg.txt, dat.normand1999.txt, dat.hine1989.txt (commit 0cb96ce).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from evidence.synthesis.csvinput import read_studies
from evidence.synthesis.effects import (binary_effect, compute_effects, continuous_effect, generic_effect,
                                        hedges_j)

DATA = Path(__file__).parent / "data"
TOL4 = 0.5e-4 + 1e-12  # "agrees to 4 decimals"


def studies(name: str) -> list[dict]:
    return read_studies(DATA / name)[1]


def close(actual, expected, tol=TOL4):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert abs(a - e) <= tol, (actual, expected)


def test_bcg_log_risk_ratios():
    effects = compute_effects(studies("dat_bcg.csv"), "RR").effects
    # [README] wviechtb/metafor README.md: columns yi and vi of escalc(measure="RR", ..., data=dat.bcg)
    close([e.yi for e in effects], [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120,
                                    -0.4694, -1.3713, -0.3394, 0.4459, -0.0173])
    close([e.vi for e in effects], [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564,
                                    0.0730, 0.0124, 0.5325, 0.0714])


def test_smd_is_hedges_g_with_metafor_variance():
    effects = compute_effects(studies("dat_normand1999.csv")[:4], "SMD").effects
    # [ESCALC] wviechtb/metafor tests/testthat/test_misc_escalc.r, "escalc() works correctly for measure='SMD/SMDH/ROM'"
    close([e.yi for e in effects], [-0.3552, -0.3479, -2.3176, -1.8880])
    close([e.vi for e in effects], [0.0131, 0.0645, 0.0458, 0.1606])


def test_md_with_pooled_sd_normand_table_viii():
    rows = []
    for s in studies("dat_normand1999.csv"):
        # as in [NORMAND]: sdpi = sqrt(((n1-1) sd1^2 + (n2-1) sd2^2) / (n1 + n2 - 2)) used for both arms
        sdp = math.sqrt(((s["n_int"] - 1) * s["sd_int"] ** 2 + (s["n_ctl"] - 1) * s["sd_ctl"] ** 2) / (s["n_int"] + s["n_ctl"] - 2))
        rows.append({**s, "sd_int": sdp, "sd_ctl": sdp})
    effects = compute_effects(rows, "MD").effects
    # [NORMAND] wviechtb/metafor tests/testthat/test_analysis_example_normand1999.r (Table VIII, p. 351)
    close([e.yi for e in effects], [-20, -2, -55, -71, -4, 1, 11, -10, 7])
    close([e.vi for e in effects], [40.5863, 2.0468, 15.2809, 150.2222, 20.1923, 1.2235, 95.3756, 8.0321, 20.6936])


def test_risk_differences_normand_table_iii():
    effects = compute_effects(studies("dat_hine1989.csv"), "RD").effects
    # [NORMAND] wviechtb/metafor tests/testthat/test_analysis_example_normand1999.r (Table III, p. 330), in percentage points
    close([100 * e.yi for e in effects], [2.8026, 0.0000, 1.9711, 1.7961, 3.5334, 4.4031])
    close([100**2 * e.vi for e in effects], [17.7575, 37.5657, 8.1323, 10.8998, 8.0114, 6.1320])


def test_hedges_correction_is_exact_gamma_form():
    # J(m) = Γ(m/2)/(√(m/2) Γ((m-1)/2)); for m = 10 this is 0.9228 (hand: Γ(5)=24, Γ(4.5)=11.6317, √5=2.2361 → 24/26.0094)
    assert abs(hedges_j(10) - 24 / (math.sqrt(5) * math.gamma(4.5))) < 1e-12
    assert abs(hedges_j(10) - (1 - 3 / (4 * 10 - 1))) < 1e-3  # the usual approximation


def test_zero_cell_gets_half_added_to_all_four_cells():
    # 0/10 vs 5/10 → cells 0.5, 10.5, 5.5, 5.5: log OR = log(0.5·5.5 / (10.5·5.5)), var = Σ 1/cell
    yi, vi, corrected = binary_effect("OR", 0, 10, 5, 10)
    assert corrected
    assert yi == pytest.approx(math.log(0.5 / 10.5))
    assert vi == pytest.approx(1 / 0.5 + 1 / 10.5 + 2 / 5.5)
    yi, vi, corrected = binary_effect("RR", 0, 10, 5, 10)
    assert yi == pytest.approx(math.log((0.5 / 11) / (5.5 / 11)))
    assert vi == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 5.5 - 1 / 11)
    assert binary_effect("RR", 2, 10, 5, 10)[2] is False


def test_double_zero_studies_left_out_of_ratio_measures_and_reported():
    rows = [{"label": "A", "events_int": 0, "n_int": 20, "events_ctl": 0, "n_ctl": 20},
            {"label": "B", "events_int": 3, "n_int": 20, "events_ctl": 6, "n_ctl": 20},
            {"label": "C", "events_int": 15, "n_int": 15, "events_ctl": 12, "n_ctl": 12}]
    for measure in ("RR", "OR"):
        result = compute_effects(rows, measure)
        assert [e.label for e in result.effects] == ["B"]
        assert [label for label, _ in result.excluded] == ["A", "C"]
        assert "double-zero" in result.excluded[0][1]
    rd = compute_effects(rows, "RD")
    assert [e.label for e in rd.effects] == ["A", "B", "C"] and rd.excluded == ()
    assert rd.effects[0].yi == 0 and rd.effects[0].corrected


def test_generic_ratio_given_on_natural_scale():
    yi, vi = generic_effect("RR", 0.5, 0.25, 1.0)
    assert yi == pytest.approx(math.log(0.5))
    assert math.sqrt(vi) == pytest.approx((math.log(1.0) - math.log(0.25)) / (2 * 1.959963984540054))
    assert generic_effect("MD", 2.0, se=0.5) == (2.0, 0.25)
    assert generic_effect("HR", 0.8, se=0.1) == (pytest.approx(math.log(0.8)), pytest.approx(0.01))
    with pytest.raises(ValueError):
        generic_effect("RR", 0.5, 0.6, 1.0)  # estimate outside its CI
    with pytest.raises(ValueError):
        generic_effect("OR", -1.0, se=0.2)


def test_bad_continuous_input_is_refused():
    with pytest.raises(ValueError):
        continuous_effect("MD", 1, 0, 10, 2, 1, 10)
    with pytest.raises(ValueError):
        continuous_effect("RR", 1, 1, 10, 2, 1, 10)
    with pytest.raises(ValueError, match="study X"):
        compute_effects([{"label": "study X", "events_int": 5, "n_int": 4, "events_ctl": 1, "n_ctl": 4}], "RR")


# ---- guards and conventions, each with the exact message a curator reads (mutation testing: bench/mutation.py) ----

def raises(message: str):
    """pytest.raises(ValueError) for exactly this message."""
    import re

    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


def test_binary_input_that_cannot_be_a_2x2_table_is_refused_with_its_reason():
    with raises("MD is not a measure for binary data (RR, OR, RD)"):
        binary_effect("MD", 1, 10, 1, 10)
    with raises("events_int must be a non-negative number, not -1"):
        binary_effect("RR", -1, 10, 1, 10)
    with raises("events_ctl must be a non-negative number, not nan"):
        binary_effect("RR", 1, 10, float("nan"), 10)
    with raises("arm totals must be positive"):
        binary_effect("RR", 0, 0, 1, 10)
    with raises("arm totals must be positive"):
        binary_effect("RR", 1, 10, 0, 0)
    with raises("events cannot exceed the arm total"):
        binary_effect("RR", 11, 10, 1, 10)
    # both kinds of double-zero study (metafor's drop00): no events in both arms, all events in both arms
    for counts in ((0, 10, 0, 10), (10, 10, 10, 10)):
        with raises("double-zero study: no events (or all events) in both arms"):
            binary_effect("OR", *counts)


def test_one_person_arms_are_valid_binary_data():
    # 1/1 vs 1/2: b = 0, so 0.5 is added to every cell (1.5, 0.5, 1.5, 1.5; n1 = 2, n2 = 3):
    # log RR = log(0.75 / 0.5) = log 1.5; var = 1/1.5 - 1/2 + 1/1.5 - 1/3 = 0.5 (by hand)
    yi, vi, corrected = binary_effect("RR", 1, 1, 1, 2)
    assert corrected and yi == pytest.approx(math.log(1.5)) and vi == pytest.approx(0.5)
    # 1/2 vs 1/1 (d = 0): cells 1.5, 1.5, 1.5, 0.5; log RR = log(0.5 / 0.75); var = 1/1.5 - 1/3 + 1/1.5 - 1/2 = 0.5
    yi, vi, corrected = binary_effect("RR", 1, 2, 1, 1)
    assert corrected and yi == pytest.approx(math.log(0.5 / 0.75)) and vi == pytest.approx(0.5)


def test_a_zero_in_any_one_cell_gets_the_correction():
    # metafor's to="only0": a zero in b (all events), c (no control events) or d (all control events)
    # b = 0: 10/10 vs 5/10 → 10.5, 0.5, 5.5, 5.5: log RR = log(10.5/5.5); not a double zero (only one arm is all events)
    yi, _, corrected = binary_effect("RR", 10, 10, 5, 10)
    assert corrected and yi == pytest.approx(math.log(10.5 / 5.5))
    # c = 0: 5/10 vs 0/10 → 5.5, 5.5, 0.5, 10.5: log RR = log(5.5/0.5)
    yi, _, corrected = binary_effect("RR", 5, 10, 0, 10)
    assert corrected and yi == pytest.approx(math.log(11))
    # d = 0: 5/10 vs 10/10 → 5.5, 5.5, 10.5, 0.5: log RR = log(5.5/10.5)
    yi, _, corrected = binary_effect("RR", 5, 10, 10, 10)
    assert corrected and yi == pytest.approx(math.log(5.5 / 10.5))
    assert [e.label for e in compute_effects([{"label": "B0", "events_int": 10, "n_int": 10, "events_ctl": 5,
                                               "n_ctl": 10}], "RR").effects] == ["B0"]


def test_bad_continuous_input_names_its_reason():
    with raises("RR is not a measure for continuous data (MD, SMD)"):
        continuous_effect("RR", 1, 1, 10, 2, 1, 10)
    with raises("means, SDs and sizes must be finite numbers"):
        continuous_effect("MD", float("nan"), 1, 10, 2, 1, 10)
    with raises("SDs must be greater than 0"):
        continuous_effect("MD", 1, 0, 10, 2, 1, 10)
    with raises("SDs must be greater than 0"):
        continuous_effect("MD", 1, 1, 10, 2, 0, 10)
    with raises("arm sizes must be at least 1"):
        continuous_effect("MD", 1, 1, 0, 2, 1, 10)
    with raises("arm sizes must be at least 1"):
        continuous_effect("MD", 1, 1, 10, 2, 1, 0)
    # SMD with one person per arm: m = n1 + n2 - 2 = 0 leaves no SD to standardise by
    with raises("Hedges' g needs n_int + n_ctl > 3"):
        continuous_effect("SMD", 1, 1, 1, 0, 1, 1)
    with raises("Hedges' g needs n_int + n_ctl > 3"):
        hedges_j(1)


def test_smallest_valid_continuous_input():
    # SD 1 and arms of one are valid: MD = m1 - m2, var = sd1²/n1 + sd2²/n2 (by hand)
    assert continuous_effect("MD", 1, 1, 10, 0, 1, 10) == (1, pytest.approx(0.2))
    assert continuous_effect("MD", 1, 2, 1, 0, 1, 4) == (1, pytest.approx(4 / 1 + 1 / 4))
    assert continuous_effect("MD", 1, 1, 4, 0, 2, 1) == (1, pytest.approx(1 / 4 + 4 / 1))
    # J(2) = Γ(1) / (√1 · Γ(1/2)) = 1/√π (Hedges 1981; Γ(1/2) = √π)
    assert hedges_j(2) == pytest.approx(1 / math.sqrt(math.pi))


def test_generic_input_guards_name_their_reason():
    from evidence.synthesis.effects import check_measure

    with raises("unknown measure 'XY'; expected one of RR, OR, HR, SMD, MD, RD"):
        check_measure("XY")
    with raises("the estimate must be a finite number"):
        generic_effect("MD", float("nan"), se=1.0)
    with raises("the estimate must be a finite number"):
        generic_effect("MD", None, se=1.0)
    with raises("the estimate must be a finite number greater than 0"):
        generic_effect("RR", 0.0, se=1.0)
    with raises("the SE must be greater than 0"):
        generic_effect("MD", 1.0, se=float("nan"))
    with raises("the SE must be greater than 0"):
        generic_effect("MD", 1.0, se=0.0)
    with raises("give a 95% CI (ci_lower and ci_upper) or an SE"):
        generic_effect("MD", 1.0, ci_lower=0.5)
    with raises("CI bounds of a ratio must be greater than 0"):
        generic_effect("RR", 1.0, 0.0, 2.0)
    with raises("CI bounds of a ratio must be greater than 0"):
        generic_effect("RR", 0.5, 0.25, 0.0)
    with raises("ci_lower must be below ci_upper"):
        generic_effect("MD", 1.0, 1.0, 1.0)
    with raises("the estimate lies outside its CI"):
        generic_effect("MD", 5.0, 1.0, 2.0)


def test_generic_difference_se_from_the_ci_width():
    # SE = (upper - lower) / (2 · 1.959964): for MD 2 (1 to 4), (3 / 3.919928)² (the module docstring's formula)
    assert generic_effect("MD", 2.0, 1.0, 4.0) == (2.0, pytest.approx((3 / (2 * 1.959963984540054)) ** 2))
    # a difference is not logged: MD -1 (-2 to 0) has SE 2 / 3.919928
    assert generic_effect("MD", -1.0, -2.0, 0.0) == (-1.0, pytest.approx((2 / (2 * 1.959963984540054)) ** 2))
    assert generic_effect("MD", 0.0, 0.0, 1.0)[0] == 0.0  # on its lower bound: inside the CI
    assert generic_effect("MD", 1.0, 0.0, 1.0)[0] == 1.0  # on its upper bound


def test_study_kinds_labels_and_data():
    from evidence.synthesis.effects import is_ratio, kind_of, study_effect

    with raises("a study needs events_int, n_int, events_ctl, n_ctl; or mean_int, sd_int, n_int, mean_ctl, sd_ctl, "
                "n_ctl; or estimate with ci_lower/ci_upper or se"):
        kind_of({"label": "empty"})
    assert kind_of({"estimate": 1.0, "se": 0.1}) == "generic"
    assert is_ratio("HR") and not is_ratio("MD")
    generic = study_effect({"label": "G", "estimate": 0.5, "ci_lower": 0.25, "ci_upper": 1.0}, "RR")
    assert (generic.label, generic.kind, dict(generic.data)) == ("G", "generic",
                                                                 {"estimate": 0.5, "ci_lower": 0.25, "ci_upper": 1.0})
    assert study_effect({"estimate": 1.0, "se": 0.5}, "MD").label == ""
    continuous = study_effect({"label": "C", "mean_int": 2, "sd_int": 1, "n_int": 10, "mean_ctl": 1, "sd_ctl": 1,
                               "n_ctl": 10}, "MD")
    assert (continuous.label, continuous.kind, continuous.yi) == ("C", "continuous", 1.0)


def test_unlabelled_studies_are_numbered_from_one_and_exclusions_say_why():
    rows = [{"estimate": 1.0, "se": 0.5}, {"estimate": 2.0, "se": 0.5}]
    assert [e.label for e in compute_effects(rows, "MD").effects] == ["study 1", "study 2"]
    result = compute_effects([{"label": "Z", "events_int": 0, "n_int": 5, "events_ctl": 0, "n_ctl": 5}], "RR")
    assert result.excluded == (("Z", "double-zero study (no events, or all events, in both arms): not estimable "
                                     "on a ratio scale"),)
