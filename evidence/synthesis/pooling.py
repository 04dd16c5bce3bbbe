"""Pooling: inverse-variance fixed effect, random effects (DL, REML, PM), Hartung–Knapp, Mantel–Haenszel.

Everything is computed on the analysis scale (log scale for ratio measures) and the estimate, CIs and
PIs are exponentiated for ratio measures at the end; ``log_estimate`` and ``se`` stay on the analysis scale.

* FE: inverse-variance weights w_i = 1/v_i; μ̂ = Σw y / Σw, SE = 1/√Σw.
* DL, REML, PM: w_i = 1/(v_i + τ̂²) with τ̂² from :mod:`.tau2` (DerSimonian & Laird 1986; Viechtbauer 2005;
  Paule & Mandel 1982).
* MH: Mantel–Haenszel (:mod:`.mh`), for RR, OR and RD from 2×2 tables; a fixed-effect method (no τ²).
* CI: μ̂ ± z₀.₉₇₅·SE; test Z = μ̂/SE with a normal P value.
* Hartung–Knapp–Sidik–Jonkman (``hartung_knapp=True``; random-effects methods only; IntHout et al. 2014):
  SE_HK = √(q·/Σw) with q = Σw(y - μ̂)²/(k-1) (no truncation at 1, as metafor's ``test="knha"``);
  CI and test use t with k-1 df.
* Heterogeneity: Cochran's Q = Σ(1/v)(y - μ̂_FE)² with k-1 df and its χ² P value (for MH, Q is taken
  around the MH estimate, as ``rma.mh`` does). I² (Higgins & Thompson 2002), in percent:
  FE and MH: max(0, (Q - df)/Q); random effects: τ̂²/(τ̂² + s²) with the "typical" within-study variance
  s² = (k-1)/(Σw - Σw²/Σw), w = 1/v — metafor's definition, identical to (Q - df)/Q for DL.
* Prediction interval (random effects only; Riley, Higgins & Deeks 2011), parameter ``prediction``:
  - ``"z"`` (default; metafor's ``predict.rma``): μ̂ ± c·√(SE² + τ̂²) with c the quantile the CI uses
    (normal, or t with k-1 df under Hartung–Knapp); defined for k ≥ 2;
  - ``"t"`` (Riley 2011 / Cochrane Handbook 10.10.4.3; metafor ``predtype="riley"``): μ̂ ± t_{k-2}·√(SE² + τ̂²);
    defined for k ≥ 3.
  SE is the one reported (Hartung–Knapp SE when that is on). None for FE, MH and where undefined.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np
from scipy.special import chdtrc, ndtr, ndtri, stdtr, stdtrit

from . import tau2 as estimators
from .effects import BINARY, EffectSet, double_zero
from .mh import mantel_haenszel

from .names import METHODS, PREDICTIONS, RANDOM, RATIO  # noqa: E402,F401  (re-exported)
JSON_KEYS = ("k", "measure", "method", "estimate", "ci_lower", "ci_upper", "log_estimate", "se",
             "tau2", "i2", "q", "pi_lower", "pi_upper", "h2", "q_df", "q_p", "z", "p", "hartung_knapp", "prediction")


@dataclass(frozen=True)
class StudyResult:
    """One study's row: effect and 95% CI on the reported scale (exponentiated for ratios), weight in %."""

    label: str
    estimate: float
    ci_lower: float
    ci_upper: float
    yi: float
    vi: float
    weight: float
    kind: str
    data: dict = field(default_factory=dict)
    corrected: bool = False


@dataclass(frozen=True)
class PoolResult:
    k: int
    measure: str
    method: str
    estimate: float
    ci_lower: float
    ci_upper: float
    log_estimate: float
    se: float
    tau2: Optional[float]
    i2: Optional[float]
    q: Optional[float]
    q_df: int
    q_p: Optional[float]
    pi_lower: Optional[float]
    pi_upper: Optional[float]
    z: float  # test statistic (a t statistic under Hartung–Knapp)
    p: float
    hartung_knapp: bool
    prediction: str
    studies: tuple[StudyResult, ...]
    excluded: tuple[tuple[str, str], ...] = ()
    excluded_data: tuple[dict, ...] = ()  # the data of each left-out study, as ``excluded``
    h2: Optional[float] = None  # H² (Higgins & Thompson 2002), as metafor: Q/df for FE and MH, (τ̂² + s²)/s² else

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO

    def to_dict(self, studies: bool = False) -> dict[str, Any]:
        """Exactly ``JSON_KEYS`` (None where undefined), plus ``studies`` when asked for."""
        out = {key: _clean(getattr(self, key)) for key in JSON_KEYS}
        if studies:
            out["studies"] = [{key: _clean(value) for key, value in asdict(s).items()} for s in self.studies]
        return out


def double_zero_table(table) -> bool:
    a, b, c, d = table
    return double_zero(a, a + b, c, c + d)


def _clean(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _scale(ratio: bool, x: Optional[float]) -> Optional[float]:
    if x is None:
        return None
    return math.exp(x) if ratio else float(x)


def heterogeneity(yi: np.ndarray, vi: np.ndarray, centre: Optional[float] = None) -> tuple[float, Optional[float]]:
    """(Q, P) with FE weights, around the FE estimate or around ``centre`` (MH)."""
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w) if centre is None else centre
    q = float(np.sum(w * (yi - mu) ** 2))
    df = len(yi) - 1
    return q, (float(chdtrc(df, q)) if df > 0 else None)


def i_squared(method: str, q: float, k: int, vi: np.ndarray, tau2: Optional[float]) -> tuple[Optional[float], Optional[float]]:
    """(I², H²) as metafor computes them; (None, None) for k < 2."""
    if k < 2:
        return None, None
    if method in RANDOM:
        w = 1 / vi
        typical = (k - 1) / (np.sum(w) - np.sum(w**2) / np.sum(w))
        return float(100 * tau2 / (typical + tau2)), float((typical + tau2) / typical)
    return (float(max(0.0, 100 * (q - (k - 1)) / q)) if q > 0 else 0.0), float(q / (k - 1))


def pool(effects: EffectSet, method: str = "REML", hartung_knapp: bool = False, prediction: str = "z") -> PoolResult:
    """Pool an :class:`EffectSet`; see the module docstring for every formula and convention."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if prediction not in PREDICTIONS:
        raise ValueError(f"prediction must be 'z' (metafor) or 't' (Riley), not {prediction!r}")
    if hartung_knapp and method not in RANDOM:
        raise ValueError("the Hartung–Knapp adjustment is for random-effects methods (DL, REML, PM)")
    measure = effects.measure
    k = len(effects.effects)
    if k == 0:
        raise ValueError("no studies to pool" + ("" if not effects.excluded else " (all were left out)"))
    if hartung_knapp and k < 2:
        raise ValueError("the Hartung–Knapp adjustment needs at least 2 studies")
    yi = np.array([e.yi for e in effects.effects])
    vi = np.array([e.vi for e in effects.effects])
    ratio = effects.ratio

    tau2: Optional[float] = None
    excluded = effects.excluded
    if method == "MH":
        if measure not in BINARY or effects.tables is None:
            raise ValueError("Mantel–Haenszel needs 2×2 tables (binary data) and RR, OR or RD")
        # rma.mh: every table is in the sums and in k (a double-zero one with weight 0, an all-event one
        # with its RR weight); Q, I² and H² use only the studies with an effect (drop00, for RD too)
        labels = [label for label, _ in effects.tables]
        mh = mantel_haenszel(measure, [t for _, t in effects.tables])
        mu, se = mh.log_estimate, mh.se
        share = dict(zip(labels, 100 * mh.weights / np.sum(mh.weights)))
        weights = np.array([share[e.label] for e in effects.effects])
        excluded = tuple((label, f"{reason}; in the Mantel–Haenszel sums with weight {share[label]:.1f}%")
                         for label, reason in excluded)
        keep = np.array([not double_zero_table(e.table) for e in effects.effects])
        q, q_p = heterogeneity(yi[keep], vi[keep], centre=mu) if keep.any() else (0.0, None)
        q_df = max(int(keep.sum()) - 1, 0)
        k = len(labels)
    else:
        tau2 = estimators.ESTIMATORS[method](yi, vi) if method in RANDOM else None
        weights = 1 / (vi + (tau2 or 0.0))
        mu = float(np.sum(weights * yi) / np.sum(weights))
        se = float(1 / math.sqrt(np.sum(weights)))
        q, q_p = heterogeneity(yi, vi)
        q_df = k - 1

    df = k - 1
    if hartung_knapp:
        scale = float(np.sum(weights * (yi - mu) ** 2) / df)
        se = math.sqrt(scale / np.sum(weights))
        crit = float(stdtrit(df, 0.975))
        stat = mu / se if se > 0 else math.copysign(math.inf, mu)
        p = float(2 * stdtr(df, -abs(stat)))
    else:
        crit = float(ndtri(0.975))
        stat = mu / se
        p = float(2 * ndtr(-abs(stat)))

    pi_lower = pi_upper = None
    if method in RANDOM:
        spread = math.sqrt(se**2 + tau2)
        if prediction == "z" and k >= 2:
            pi_lower, pi_upper = mu - crit * spread, mu + crit * spread
        elif prediction == "t" and k >= 3:
            tcrit = float(stdtrit(k - 2, 0.975))
            pi_lower, pi_upper = mu - tcrit * spread, mu + tcrit * spread

    i2, h2 = i_squared(method, q, q_df + 1, vi, tau2)
    z95 = float(ndtri(0.975))
    pct = 100 * weights / np.sum(weights) if method != "MH" else weights
    studies = tuple(
        StudyResult(e.label, _scale(ratio, e.yi), _scale(ratio, e.yi - z95 * math.sqrt(e.vi)),
                    _scale(ratio, e.yi + z95 * math.sqrt(e.vi)), e.yi, e.vi, float(w), e.kind, dict(e.data), e.corrected)
        for e, w in zip(effects.effects, pct)
    )
    return PoolResult(
        k=k, measure=measure, method=method,
        estimate=_scale(ratio, mu), ci_lower=_scale(ratio, mu - crit * se), ci_upper=_scale(ratio, mu + crit * se),
        log_estimate=float(mu), se=float(se), tau2=tau2,
        i2=i2, h2=h2, q=q if q_df >= 1 else None, q_df=q_df, q_p=q_p,
        pi_lower=_scale(ratio, pi_lower), pi_upper=_scale(ratio, pi_upper),
        z=float(stat), p=p, hartung_knapp=hartung_knapp, prediction=prediction,
        studies=studies, excluded=excluded, excluded_data=tuple(dict(d) for d in effects.excluded_data),
    )
