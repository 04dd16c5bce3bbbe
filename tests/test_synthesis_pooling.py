"""Pooling (evidence.synthesis.pooling) against metafor's published results, to 4 decimals unless a
source prints fewer digits (then to the digits printed, as said at the value).

Sources, all read in the stored snapshot of wviechtb/metafor (commit 71ae8f5, 2026-07-01):
  [UNI]   tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r   (rma() EE/DL vs Stata metan, dat.bcg)
  [MH]    tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r    (rma.mh() vs Stata metan, dat.bcg)
  [RMA]   docs/reference/rma.uni.html                                (example output: REML on dat.bcg)
  [PRED]  docs/reference/predict.rma.html                            (predict(res) for REML on dat.bcg, 2 decimals)
  [KNHA]  README.md                                                  (REML + test="knha" on dat.bcg)
  [INFL]  tests/testthat/test_misc_influence.r                       (tau2, QE of REML on dat.bcg, full precision)
  [CUMUL] tests/testthat/test_misc_cumul.r                           (cumulative REML estimates, dat.bcg by year)
  [DK]    tests/testthat/test_analysis_example_dersimonian2007.r     (CLASP; DerSimonian & Kacker 2007 Tables 3-4)
  [RB]    tests/testthat/test_analysis_example_raudenbush2009.r      (dat.raudenbush1985; Raudenbush 2009 Table 16.3)
  [NORM]  tests/testthat/test_analysis_example_normand1999.r         (Normand 1999 Tables VII and IX)
  [RMAU]  tests/testthat/test_misc_rma_uni.r                         (SMD, dat.normand1999[1:4], REML tau2)
Data under tests/data/ copied from wviechtb/metadat data-raw/*.txt (commit 0cb96ce); the CLASP counts
are written out in [DK].
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from scipy.stats import t as student_t

from evidence.synthesis import pool_studies
from evidence.synthesis.csvinput import read_studies

DATA = Path(__file__).parent / "data"
TOL4 = 0.5e-4 + 1e-12
TOL2 = 0.5e-2 + 1e-12


def studies(name: str) -> list[dict]:
    return read_studies(DATA / name)[1]


def check(result, tol=TOL4, **expected):
    for key, value in expected.items():
        actual = getattr(result, key)
        assert actual is not None and abs(actual - value) <= tol, f"{key}: {actual} != {value}"


def log(x):
    return math.log(x)


BCG = studies("dat_bcg.csv")


# ---- dat.bcg, log risk ratio -------------------------------------------------------------------

def test_bcg_rr_fixed_effect():
    r = pool_studies(BCG, "RR", "FE")
    # [UNI] "results match (EE model, measure='RR')"
    check(r, log_estimate=-0.4303, z=-10.6247, q=152.2330)
    check(r, estimate=0.6503, ci_lower=0.6007, ci_upper=0.7040)  # predict(res, transf=exp)
    assert abs(log(r.ci_lower) - -0.5097) <= TOL4 and abs(log(r.ci_upper) - -0.3509) <= TOL4  # [UNI] ci.lb, ci.ub
    assert r.tau2 is None and r.pi_lower is None and r.pi_upper is None and r.k == 13


def test_bcg_rr_dersimonian_laird():
    r = pool_studies(BCG, "RR", "DL")
    # [UNI] "results match (RE model w/ DL estimator, measure='RR')"
    check(r, log_estimate=-0.7141, z=-3.9952, tau2=0.3088, i2=92.1173)
    check(r, estimate=0.4896, ci_lower=0.3449, ci_upper=0.6950)
    assert abs(log(r.ci_lower) - -1.0644) <= TOL4 and abs(log(r.ci_upper) - -0.3638) <= TOL4


def test_bcg_rr_reml():
    r = pool_studies(BCG, "RR", "REML")
    # [RMA] rma(yi, vi, data=dat, method="REML"): tau^2 0.3132, Q(df = 12) = 152.2330,
    # estimate -0.7145, se 0.1798, zval -3.9744, ci.lb -1.0669, ci.ub -0.3622
    check(r, tau2=0.3132, q=152.2330, log_estimate=-0.7145, se=0.1798, z=-3.9744)
    assert abs(log(r.ci_lower) - -1.0669) <= TOL4 and abs(log(r.ci_upper) - -0.3622) <= TOL4
    assert r.q_df == 12 and r.q_p < 0.0001
    check(r, tol=0.5e-2, i2=92.22)  # [RMA] "I^2 ...: 92.22%" (printed to 2 decimals)
    # [INFL] tau2 = 0.313243325980895, QE = 152.233008082373 (full precision)
    assert abs(r.tau2 - 0.313243325980895) < 1e-9 and abs(r.q - 152.233008082373) < 1e-9


def test_bcg_rr_reml_prediction_interval_metafor_default():
    r = pool_studies(BCG, "RR", "REML")  # prediction="z" is the default
    assert r.prediction == "z"
    # [PRED] predict(res, digits=2): pi.lb -1.87, pi.ub 0.44; predict(res, transf=exp, digits=2): 0.15, 1.55 (2 decimals)
    assert abs(log(r.pi_lower) - -1.87) <= TOL2 and abs(log(r.pi_upper) - 0.44) <= TOL2
    check(r, tol=TOL2, pi_lower=0.15, pi_upper=1.55, estimate=0.49, ci_lower=0.34, ci_upper=0.70)


def test_bcg_rr_reml_hartung_knapp():
    r = pool_studies(BCG, "RR", "REML", hartung_knapp=True)
    # [KNHA] rma(yi, vi, data=dat, test="knha"): estimate -0.7145, se 0.1808, tval -3.9522, df 12, pval 0.0019,
    # ci.lb -1.1084, ci.ub -0.3206
    check(r, log_estimate=-0.7145, se=0.1808, z=-3.9522, p=0.0019, tau2=0.3132)
    assert abs(log(r.ci_lower) - -1.1084) <= TOL4 and abs(log(r.ci_upper) - -0.3206) <= TOL4
    # [KNHA] predict(res, transf=exp, digits=2): 0.49 0.33 0.73 0.14 1.76 (2 decimals)
    check(r, tol=TOL2, estimate=0.49, ci_lower=0.33, ci_upper=0.73, pi_lower=0.14, pi_upper=1.76)


def test_bcg_cumulative_reml_small_k():
    # [CUMUL] cumul(rma(yi, vi, data=dat), order=year)$estimate, 6 decimals; years from the study labels
    # (metadat data-raw/dat.bcg.txt), ties kept in data order as R's order() does.
    expected = [-0.889311, -1.325003, -0.97208, -1.001094, -1.101424, -0.973464, -0.901251, -0.788566,
                -0.865607, -0.785211, -0.708206, -0.794768, -0.714532]
    order = sorted(range(len(BCG)), key=lambda i: (int(BCG[i]["label"].rsplit(" ", 1)[1]), i))
    for j, value in enumerate(expected, 1):
        r = pool_studies([BCG[i] for i in order[:j]], "RR", "REML")
        assert abs(r.log_estimate - value) <= TOL4, (j, r.log_estimate, value)


def test_bcg_rr_mantel_haenszel():
    r = pool_studies(BCG, "RR", "MH")
    # [MH] "results match (EE model, measure='RR')"
    check(r, log_estimate=-0.4537, z=-11.5338, q=152.5676, estimate=0.6353, ci_lower=0.5881, ci_upper=0.6862)
    assert abs(log(r.ci_lower) - -0.5308) <= TOL4 and abs(log(r.ci_upper) - -0.3766) <= TOL4
    assert r.tau2 is None and r.pi_lower is None


def test_bcg_or_mantel_haenszel_greenland_robins_variance():
    r = pool_studies(BCG, "OR", "MH")
    # [MH] "results match (EE model, measure='OR')"
    check(r, log_estimate=-0.4734, z=-11.5444, q=163.9426, estimate=0.6229, ci_lower=0.5748, ci_upper=0.6750)
    assert abs(log(r.ci_lower) - -0.5538) <= TOL4 and abs(log(r.ci_upper) - -0.3930) <= TOL4


def test_bcg_rd_mantel_haenszel():
    r = pool_studies(BCG, "RD", "MH")
    # [MH] "results match (EE model, measure='RD')": beta -0.0033, ci -0.0039 to -0.0027, zval -11.4708, QE 386.7759
    check(r, log_estimate=-0.0033, ci_lower=-0.0039, ci_upper=-0.0027, z=-11.4708, q=386.7759)


def test_bcg_or_fixed_and_dl():
    fe = pool_studies(BCG, "OR", "FE")
    # [UNI] "results match (EE model, measure='OR')"
    check(fe, log_estimate=-0.4361, z=-10.3190, q=163.1649, estimate=0.6465, ci_lower=0.5951, ci_upper=0.7024)
    assert abs(log(fe.ci_lower) - -0.5190) <= TOL4 and abs(log(fe.ci_upper) - -0.3533) <= TOL4
    dl = pool_studies(BCG, "OR", "DL")
    # [UNI] "results match (RE model w/ DL estimator, measure='OR')"
    check(dl, log_estimate=-0.7474, z=-3.8873, tau2=0.3663, i2=92.6455, estimate=0.4736, ci_lower=0.3249, ci_upper=0.6903)
    assert abs(log(dl.ci_lower) - -1.1242) <= TOL4 and abs(log(dl.ci_upper) - -0.3706) <= TOL4


def test_bcg_rd_fixed_and_dl():
    fe = pool_studies(BCG, "RD", "FE")
    # [UNI] "results match (EE model, measure='RD')"
    check(fe, log_estimate=-0.0009, ci_lower=-0.0014, ci_upper=-0.0005, z=-4.0448, q=276.4737)
    dl = pool_studies(BCG, "RD", "DL")
    # [UNI] "results match (RE model w/ DL estimator, measure='RD')"
    check(dl, log_estimate=-0.0071, ci_lower=-0.0101, ci_upper=-0.0040, z=-4.5128, tau2=0.0000, i2=95.6596)


# ---- other reference sets -----------------------------------------------------------------------

def test_clasp_pm_dl_reml_dersimonian_kacker_2007():
    rows = studies("clasp_dersimonian2007.csv")
    # [DK] "compare with results on page 111-112 (Tables 3 and 4)": tau, mu, se of log OR
    for method, (tau, mu, se) in {"PM": (0.3681, -0.3811, 0.2060), "DL": (0.2323, -0.3240, 0.1540),
                                  "REML": (0.1843, -0.2980, 0.1343)}.items():
        r = pool_studies(rows, "OR", method)
        assert abs(math.sqrt(r.tau2) - tau) <= TOL4, (method, r.tau2)
        check(r, log_estimate=mu, se=se)


def raudenbush() -> list[dict]:
    with open(DATA / "dat_raudenbush1985.csv", encoding="utf-8") as f:
        return [{"label": row["study"], "estimate": float(row["estimate"]), "se": math.sqrt(float(row["vi"]))}
                for row in csv.DictReader(f)]


# [RB] "compare with results on page 309 (Table 16.3)": tau2, mu, se, z, ci.lb, ci.ub
RB_STANDARD = {"FE": (0.0, 0.0604, 0.0365, 1.6553, -0.0111, 0.1318),
               "REML": (0.0188, 0.0837, 0.0516, 1.6208, -0.0175, 0.1849),
               "DL": (0.0259, 0.0893, 0.0558, 1.6009, -0.0200, 0.1987)}
RB_KNHA = {"REML": (0.0188, 0.0837, 0.0616, 1.3593, -0.0457, 0.2131),
           "DL": (0.0259, 0.0893, 0.0636, 1.4050, -0.0442, 0.2229)}


@pytest.mark.parametrize("method", RB_STANDARD)
def test_generic_input_raudenbush_2009(method):
    tau2, mu, se, z, lo, hi = RB_STANDARD[method]
    r = pool_studies(raudenbush(), "SMD", method)
    check(r, log_estimate=mu, se=se, z=z, ci_lower=lo, ci_upper=hi)
    assert (r.tau2 or 0.0) == pytest.approx(tau2, abs=TOL4)
    if method == "FE":
        check(r, q=35.8295)  # [RB] res.EE$QE


@pytest.mark.parametrize("method", RB_KNHA)
def test_hartung_knapp_raudenbush_2009(method):
    tau2, mu, se, z, lo, hi = RB_KNHA[method]
    r = pool_studies(raudenbush(), "SMD", method, hartung_knapp=True)
    check(r, tau2=tau2, log_estimate=mu, se=se, z=z, ci_lower=lo, ci_upper=hi)


def test_prediction_interval_raudenbush_2009():
    r = pool_studies(raudenbush(), "SMD", "REML")
    # [RB] predict(res.RE): pi.lb -0.2036, pi.ub 0.3711
    check(r, pi_lower=-0.2036, pi_upper=0.3711)


def test_riley_prediction_interval_definition():
    # No published value was found for the Riley (t, k-2 df) interval, so this checks the definition only:
    # mu ± t_{0.975, k-2} · sqrt(se² + tau²), from the result's own numbers.
    rows = raudenbush()
    r = pool_studies(rows, "SMD", "REML", prediction="t")
    half = student_t.ppf(0.975, r.k - 2) * math.sqrt(r.se**2 + r.tau2)
    assert r.pi_lower == pytest.approx(r.log_estimate - half) and r.pi_upper == pytest.approx(r.log_estimate + half)
    assert pool_studies(rows[:2], "SMD", "REML", prediction="t").pi_lower is None  # k < 3: undefined
    assert pool_studies(rows[:2], "SMD", "REML").pi_lower is not None  # the z one needs only k >= 2


def test_md_normand_1999_table_ix():
    rows = []
    for s in studies("dat_normand1999.csv"):
        sdp = math.sqrt(((s["n_int"] - 1) * s["sd_int"] ** 2 + (s["n_ctl"] - 1) * s["sd_ctl"] ** 2) / (s["n_int"] + s["n_ctl"] - 2))
        rows.append({**s, "sd_int": sdp, "sd_ctl": sdp})
    # [NORM] "compare with results on page 352 (Table IX)"
    check(pool_studies(rows, "MD", "FE"), estimate=-3.4939, ci_lower=-5.0265, ci_upper=-1.9613)
    check(pool_studies(rows, "MD", "DL"), estimate=-14.0972, ci_lower=-24.4454, ci_upper=-3.7490, tau2=218.7216)
    check(pool_studies(rows, "MD", "REML"), estimate=-15.1217, ci_lower=-32.6716, ci_upper=2.4282, tau2=685.1965)


def test_rd_normand_1999_table_vii():
    rows = studies("dat_hine1989.csv")
    # [NORM] "compare with results on page 349 (Table VII)", percentage points: 2.9444 (0.3831, 5.5058), tau2 0
    for method in ("FE", "DL", "REML"):
        r = pool_studies(rows, "RD", method)
        assert abs(100 * r.estimate - 2.9444) <= TOL4
        assert abs(100 * r.ci_lower - 0.3831) <= TOL4 and abs(100 * r.ci_upper - 5.5058) <= TOL4
        assert (r.tau2 or 0.0) == 0.0
    # per-study CIs [NORM] (Table III)
    r = pool_studies(rows, "RD", "FE")
    lower = [-5.4566, -12.0128, -3.6182, -4.6747, -2.0141, -0.4503]
    upper = [11.0618, 12.0128, 7.5604, 8.2669, 9.0810, 9.2566]
    for s, lo, hi in zip(r.studies, lower, upper):
        assert abs(100 * s.ci_lower - lo) <= TOL4 and abs(100 * s.ci_upper - hi) <= TOL4


def test_smd_reml_tau2_normand_subset():
    # [RMAU] "rma() works directly with input for measure='SMD'": tau2 1.0090 (dat.normand1999, subset 1:4)
    check(pool_studies(studies("dat_normand1999.csv")[:4], "SMD", "REML"), tau2=1.0090)


# ---- conventions ---------------------------------------------------------------------------------

def test_weights_are_percentages_of_the_methods_weights():
    r = pool_studies(BCG, "RR", "DL")
    assert sum(s.weight for s in r.studies) == pytest.approx(100)
    w = [1 / (s.vi + r.tau2) for s in r.studies]  # as [weights.rma.uni]: 1/(vi + tau2), scaled to %
    assert [s.weight for s in r.studies] == pytest.approx([100 * x / sum(w) for x in w])


def test_single_study_and_bad_arguments():
    r = pool_studies(BCG[:1], "RR", "REML")
    assert r.k == 1 and r.tau2 == 0 and r.q is None and r.i2 is None and r.pi_lower is None
    assert r.log_estimate == pytest.approx(r.studies[0].yi)
    with pytest.raises(ValueError, match="random-effects"):
        pool_studies(BCG, "RR", "FE", hartung_knapp=True)
    with pytest.raises(ValueError, match="Mantel"):
        pool_studies(raudenbush(), "SMD", "MH")
    with pytest.raises(ValueError):
        pool_studies(BCG, "RR", "ML")


def test_json_dict_has_exactly_the_agreed_keys():
    keys = {"k", "measure", "method", "estimate", "ci_lower", "ci_upper", "log_estimate", "se", "tau2", "i2",
            "q", "pi_lower", "pi_upper", "h2", "q_df", "q_p", "z", "p", "hartung_knapp", "prediction"}
    assert set(pool_studies(BCG, "RR", "FE").to_dict()) == keys
    assert set(pool_studies(BCG, "RR", "FE").to_dict(studies=True)) == keys | {"studies"}


# ---- small cases worked by hand, and the guards (mutation testing: bench/mutation.py) --------------------------

def raises(message: str, kind=ValueError):
    import re

    return pytest.raises(kind, match=f"^{re.escape(message)}$")


def test_two_studies_with_equal_variances_by_hand():
    from evidence.synthesis.tau2 import dersimonian_laird, hedges, paule_mandel, reml

    # yi 0 and 3, vi 1 and 1: Q = Σ(y - 1.5)² = 4.5 with k - 1 = 1 df. With equal variances every estimator
    # gives s² - v = 4.5 - 1 = 3.5 (DL: (4.5 - 1) / (2 - 2/2); HE: var(y) - mean(v); PM and REML: the root of
    # 4.5 / (1 + τ²) = 1).
    for estimator in (dersimonian_laird, hedges, paule_mandel, reml):
        assert estimator([0.0, 3.0], [1.0, 1.0]) == pytest.approx(3.5, abs=1e-6), estimator.__name__
        assert estimator([0.5], [1.0]) == 0.0, estimator.__name__  # one study: no between-study variance
    # PM: Q(0) = 1.44 / (2·0.5) = 1.44 > 1, root of 1.44 / (2(0.5 + τ²)) = 1 is τ² = 0.72 - 0.5 = 0.22
    assert paule_mandel([0.0, 1.2], [0.5, 0.5]) == pytest.approx(0.22)
    # PM: Q(0) = 1 / (2·0.5) = 1 = k - 1 exactly, so τ² = 0 with no search
    assert paule_mandel([0.0, 1.0], [0.5, 0.5]) == 0.0


def test_reml_from_a_given_start_and_without_convergence():
    from evidence.synthesis.effects import compute_effects
    from evidence.synthesis.tau2 import reml

    effects = compute_effects(BCG, "RR").effects
    yi, vi = [e.yi for e in effects], [e.vi for e in effects]
    # [RMA] tau^2 0.3132 on dat.bcg, whatever the start
    assert reml(yi, vi, start=1.0) == pytest.approx(0.3132, abs=TOL4)
    assert reml(yi, vi, start=-1.0) == pytest.approx(0.3132, abs=TOL4)  # a negative start is taken as 0
    with raises("REML (Fisher scoring) did not converge", ArithmeticError):
        reml([1.0, 1.0], [1.0, 1.0], threshold=0)  # no step is ever smaller than 0


def test_tau2_input_guards():
    from evidence.synthesis.tau2 import q_statistic

    for yi, vi in (([1.0, 2.0], [1.0]), ([], []), ([[1.0, 2.0]], [[1.0, 1.0]])):
        with raises("yi and vi must be non-empty sequences of the same length"):
            q_statistic(yi, vi)
    with raises("sampling variances must be greater than 0"):
        q_statistic([1.0, 2.0], [1.0, 0.0])


def test_heterogeneity_and_i2_by_hand():
    import numpy as np

    from evidence.synthesis.pooling import _clean, heterogeneity, i_squared

    # yi 0 and 1, vi 1 and 1: Q = 0.5² + 0.5² = 0.5 on 1 df; P(χ²₁ > 0.5) = 2(1 - Φ(√0.5)) = 0.4795
    q, p = heterogeneity(np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    assert q == 0.5 and p == pytest.approx(0.4795, abs=TOL4)
    assert heterogeneity(np.array([0.3]), np.array([1.0])) == (0.0, None)  # one study: no test
    vi = np.array([1.0, 1.0])
    # Higgins & Thompson: I² = (Q - df)/Q = (4 - 1)/4 = 75% (FE, MH); truncated at 0 and 0 for Q = 0
    # H² = Q/df for FE and MH (metafor, not truncated): 4/1 = 4, 0.5/2 = 0.25
    assert i_squared("FE", 4.0, 2, vi, None) == (75.0, 4.0)
    assert i_squared("MH", 0.5, 3, vi, None) == (0.0, 0.25)
    assert i_squared("FE", 0.0, 3, vi, None) == (0.0, 0.0)
    assert i_squared("FE", 4.0, 1, vi, None) == (None, None)
    # random effects: τ²/(τ² + s²), s² = (k-1)/(Σw - Σw²/Σw) = 1/(2 - 1) = 1 → 1/(1 + 1) = 50%; H² = (τ² + s²)/s² = 2
    assert i_squared("DL", 0.0, 2, vi, 1.0) == (50.0, 2.0)
    assert _clean(float("inf")) is None and _clean(np.float64(1.5)) == 1.5 and _clean("x") == "x"


def test_pool_defaults_and_messages():
    from evidence.synthesis.effects import EffectSet, compute_effects
    from evidence.synthesis.pooling import pool

    effects = compute_effects(BCG, "RR")
    r = pool(effects)
    assert (r.method, r.hartung_knapp, r.prediction) == ("REML", False, "z")
    assert r.tau2 == pytest.approx(0.3132, abs=TOL4)  # [RMA]
    with raises("unknown method 'ML'; expected one of REML, DL, PM, FE, MH"):
        pool(effects, "ML")
    with raises("prediction must be 'z' (metafor) or 't' (Riley), not 'x'"):
        pool(effects, prediction="x")
    with raises("the Hartung–Knapp adjustment is for random-effects methods (DL, REML, PM)"):
        pool(effects, "MH", hartung_knapp=True)
    with raises("no studies to pool"):
        pool(EffectSet("RR", ()))
    with raises("no studies to pool (all were left out)"):
        pool_studies([{"label": "Z", "events_int": 0, "n_int": 5, "events_ctl": 0, "n_ctl": 5}], "RR")
    with raises("the Hartung–Knapp adjustment needs at least 2 studies"):
        pool_studies(BCG[:1], "RR", "REML", hartung_knapp=True)
    assert pool_studies(BCG[:2], "RR", "REML", hartung_knapp=True).hartung_knapp is True
    generic = [{"label": "A", "estimate": 0.5, "se": 0.2}, {"label": "B", "estimate": 0.7, "se": 0.2}]
    with raises("Mantel–Haenszel needs 2×2 tables (binary data) and RR, OR or RD"):
        pool_studies(generic, "RR", "MH")


def test_two_studies_have_q_and_left_out_studies_are_kept():
    # yi 0 and 1, SE 1 each (MD, FE): Q = 0.5 on 1 df (by hand, as above), I² = 0 since Q < df
    r = pool_studies([{"label": "A", "estimate": 0.0, "se": 1.0}, {"label": "B", "estimate": 1.0, "se": 1.0}], "MD", "FE")
    assert (r.q, r.q_df, r.i2) == (0.5, 1, 0.0) and r.q_p == pytest.approx(0.4795, abs=TOL4)
    rows = [{"label": "Z", "events_int": 0, "n_int": 5, "events_ctl": 0, "n_ctl": 5}, *BCG[:2]]
    r = pool_studies(rows, "RR", "FE")
    assert [label for label, _ in r.excluded] == ["Z"] and r.k == 2


def test_hartung_knapp_with_identical_studies_has_an_infinite_statistic():
    # identical estimates: q = Σw(y - μ)²/(k-1) = 0, so SE_HK = 0 and the t statistic is +∞ (P = 0)
    same = [{"label": "A", "estimate": 0.5, "se": 0.1}, {"label": "B", "estimate": 0.5, "se": 0.1}]
    r = pool_studies(same, "MD", "DL", hartung_knapp=True)
    assert (r.se, r.z, r.p, r.ci_lower, r.ci_upper) == (0.0, math.inf, 0.0, 0.5, 0.5)


def test_riley_interval_is_defined_from_three_studies():
    rows = raudenbush()[:3]
    r = pool_studies(rows, "SMD", "REML", prediction="t")
    half = student_t.ppf(0.975, 1) * math.sqrt(r.se**2 + r.tau2)  # t with k - 2 = 1 df (definition, as above)
    assert r.pi_lower == pytest.approx(r.log_estimate - half) and r.pi_upper == pytest.approx(r.log_estimate + half)


def test_study_rows_of_a_ratio_are_on_the_natural_scale():
    r = pool_studies(BCG, "RR", "FE")
    # dat.bcg study 1: yi -0.8893, vi 0.3256 ([README] of test_synthesis_effects); exp(yi ± 1.96·√vi) by hand:
    # exp(-0.8893) = 0.4110, exp(-0.8893 - 1.959964·0.5706) = 0.1343, exp(-0.8893 + 1.1184) = 1.2574
    s = r.studies[0]
    assert (s.estimate, s.ci_lower, s.ci_upper) == (pytest.approx(0.4110, abs=1e-3), pytest.approx(0.1343, abs=1e-3),
                                                    pytest.approx(1.2574, abs=2e-3))
    zero = pool_studies([{"label": "0", "events_int": 0, "n_int": 10, "events_ctl": 5, "n_ctl": 10}, *BCG[:1]], "OR", "FE")
    assert [s.corrected for s in zero.studies] == [True, False]


def test_mantel_haenszel_small_tables_by_hand():
    from evidence.synthesis.mh import mantel_haenszel

    # OR: R = Σad/N, S = Σbc/N. (2, 3, 5, 10): R = 20/20 = 1, S = 15/20 = 0.75 → log(4/3);
    # (5, 4, 5, 6): R = 30/20 = 1.5, S = 20/20 = 1 → log 1.5
    assert mantel_haenszel("OR", [(2, 3, 5, 10)]).log_estimate == pytest.approx(math.log(4 / 3))
    assert mantel_haenszel("OR", [(5, 4, 5, 6)]).log_estimate == pytest.approx(math.log(1.5))
    # RR: R = Σa·n2/N, S = Σc·n1/N. (1, 9, 2, 8): R = 10/20, S = 20/20 → log 0.5; (2, 8, 1, 9): log 2
    assert mantel_haenszel("RR", [(1, 9, 2, 8)]).log_estimate == pytest.approx(math.log(0.5))
    assert mantel_haenszel("RR", [(2, 8, 1, 9)]).log_estimate == pytest.approx(math.log(2))
    # RR weights c·n1/N: (2, 8, 4, 6) → 4·10/20 = 2; (3, 17, 6, 14) → 6·20/40 = 3: 40% and 60%
    rows = [{"label": "A", "events_int": 2, "n_int": 10, "events_ctl": 4, "n_ctl": 10},
            {"label": "B", "events_int": 3, "n_int": 20, "events_ctl": 6, "n_ctl": 20}]
    assert [s.weight for s in pool_studies(rows, "RR", "MH").studies] == pytest.approx([40, 60])
    with raises("Mantel–Haenszel needs at least one 2×2 table"):
        mantel_haenszel("OR", [])
    with raises("Mantel–Haenszel needs at least one 2×2 table"):
        mantel_haenszel("OR", [(1, 2, 3)])
    with raises("Mantel–Haenszel needs at least one 2×2 table"):
        mantel_haenszel("OR", [1, 2, 3, 4])
    for table in ((2, 8, 0, 10), (0, 10, 5, 5)):  # Σbc = 0, Σad = 0
        with raises("Mantel–Haenszel OR not estimable (a zero sum of a·d or b·c)"):
            mantel_haenszel("OR", [table])
    for table in ((0, 10, 5, 5), (5, 5, 0, 10)):
        with raises("Mantel–Haenszel RR not estimable (no events in one arm of every study)"):
            mantel_haenszel("RR", [table])
    with raises("Mantel–Haenszel is for RR, OR and RD, not MD"):
        mantel_haenszel("MD", [(1, 2, 3, 4)])


# ---- issue #24: metafor 3.8-1 (Debian r-cran-metafor) run on these data; values printed by Rscript ----------
# rma(measure="OR", ai=, n1i=, ci=, n2i=) (REML) and predict(res, transf=exp);
# rma.mh(measure="RR", ...) with print(c(k, beta, se, ci.lb, ci.ub, QE, QEp, I2, H2, zval, pval)) and weights(res).

def test_reml_at_a_local_maximum_falls_back_to_zero_like_metafors_ll0check():
    rows = [{"label": "S1", "events_int": 4, "n_int": 57, "events_ctl": 9, "n_ctl": 66},
            {"label": "S2", "events_int": 99, "n_int": 476, "events_ctl": 54, "n_ctl": 480},
            {"label": "S3", "events_int": 55, "n_int": 390, "events_ctl": 30, "n_ctl": 391}]
    r = pool_studies(rows, "OR", "REML")
    # metafor: "Fisher scoring algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0."
    check(r, tau2=0.0, i2=0.0, h2=1.0, q=5.0389, log_estimate=0.637472175248868, se=0.141817145753779)
    check(r, estimate=1.8916929621, ci_lower=1.4326353885, ci_upper=2.4978457823, pi_lower=1.4326353885,
          pi_upper=2.4978457823)


def test_mantel_haenszel_rr_keeps_studies_with_all_events_in_both_arms():
    rows = [{"label": "A", "events_int": 20, "n_int": 20, "events_ctl": 30, "n_ctl": 30},
            {"label": "B", "events_int": 18, "n_int": 20, "events_ctl": 15, "n_ctl": 20},
            {"label": "C", "events_int": 40, "n_int": 45, "events_ctl": 38, "n_ctl": 44}]
    r = pool_studies(rows, "RR", "MH")
    check(r, k=3, log_estimate=0.0518880964158077, se=0.0498255083578020, estimate=1.0533, ci_lower=0.9553,
          ci_upper=1.1613, q=0.8491633882438168, q_p=0.3567891189353816, i2=0.0, h2=0.8491633882438168,
          z=1.0413962270729686, p=0.2976916928760948)
    assert r.q_df == 1
    assert [s.weight for s in r.studies] == [pytest.approx(19.37310, abs=1e-5), pytest.approx(49.62995, abs=1e-5)]
    assert r.excluded[0][0] == "A" and "weight 31.0%" in r.excluded[0][1]  # metafor: 30.99695


def test_mantel_haenszel_rd_of_double_zero_studies_only_is_refused_in_words():
    rows = [{"label": "A", "events_int": 0, "n_int": 10, "events_ctl": 0, "n_ctl": 12},
            {"label": "B", "events_int": 0, "n_int": 8, "events_ctl": 0, "n_ctl": 9}]
    with raises("Mantel–Haenszel RD not estimable: every study has no events (or all events) in both arms, so the "
                "risk difference is 0 with an SE of 0"):
        pool_studies(rows, "RD", "MH")


def test_extreme_standard_errors_are_refused_in_words():
    for se in (1e-160, 1e160):
        rows = [{"label": "A", "estimate": 0.1, "se": se}, {"label": "B", "estimate": 0.2, "se": 0.1}]
        with raises(f"A: an SE of {se:g} is outside the range the pooling can compute with (1e-50 to 1e+50); "
                    "check the estimate's units or CI"):
            pool_studies(rows, "MD", "REML")
