"""Between-study variance τ² for the random-effects model y_i = μ + u_i + e_i, u_i ~ N(0, τ²), e_i ~ N(0, v_i).

With weights w_i = 1/(v_i + τ²), μ̂(τ²) = Σw_i y_i / Σw_i and the generalised Q(τ²) = Σw_i (y_i - μ̂)².
Every estimator is truncated at 0.

* DL  — DerSimonian & Laird (1986), method of moments: τ² = (Q - (k-1)) / (Σw - Σw²/Σw), w_i = 1/v_i.
* REML — restricted maximum likelihood (Viechtbauer 2005), by Fisher scoring as metafor's ``rma.uni``:
  τ² ← τ² + (Σw²(y-μ̂)² - tr P) / tr(PP), with P = W - w wᵀ/Σw, so
  tr P = Σw - Σw²/Σw and tr(PP) = Σw² - 2Σw³/Σw + (Σw²)²/(Σw)²; step-halving keeps τ² ≥ 0;
  starts from the Hedges (HE) estimate and stops when |Δτ²| < 1e-5, at most 100 steps — metafor's
  defaults (``control=list(threshold=1e-5, maxiter=100)``), so results agree with metafor to the digits
  it prints (a fully converged τ² can differ in the 5th decimal, e.g. a PI bound by ~1e-4).
  Then metafor's ``ll0check``: Fisher scoring can stop at a local maximum, so the restricted
  log-likelihood at τ² = 0 is compared with the one at the solution, and τ² is set to 0 when τ² = 0 is
  higher by more than ``tol`` = 1.22e-4 (machine ε^¼) and τ̂² > 1e-5 (metafor warns "Fisher scoring
  algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0.").
* PM  — Paule & Mandel (1982): the τ² ≥ 0 where Q(τ²) = k - 1 (Q decreases in τ², so the root is
  bracketed and bisected to machine precision); 0 when Q(0) ≤ k - 1 already.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 1e-5  # metafor's control$threshold
LL_TOL = np.finfo(float).eps ** 0.25  # metafor's control$tol, used by its ll0check
MAXITER = 100  # metafor's control$maxiter


def _arrays(yi, vi) -> tuple[np.ndarray, np.ndarray]:
    y, v = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    if y.shape != v.shape or y.ndim != 1 or len(y) == 0:
        raise ValueError("yi and vi must be non-empty sequences of the same length")
    if np.any(v <= 0):
        raise ValueError("sampling variances must be greater than 0")
    return y, v


def q_statistic(yi, vi, tau2: float = 0.0) -> float:
    """Generalised Q(τ²) = Σw(y - μ̂)², w = 1/(v + τ²); Cochran's Q at τ² = 0."""
    y, v = _arrays(yi, vi)
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def dersimonian_laird(yi, vi) -> float:
    y, v = _arrays(yi, vi)
    if len(y) < 2:
        return 0.0
    w = 1 / v
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q_statistic(y, v) - (len(y) - 1)) / c))


def hedges(yi, vi) -> float:
    """Hedges' (1983) unweighted estimator, the starting value for REML: var(y) - mean(v)."""
    y, v = _arrays(yi, vi)
    if len(y) < 2:
        return 0.0
    return max(0.0, float(np.var(y, ddof=1) - np.mean(v)))


def reml(yi, vi, start: float | None = None, threshold: float = THRESHOLD) -> float:
    y, v = _arrays(yi, vi)
    if len(y) < 2:
        return 0.0
    tau2 = hedges(y, v) if start is None else max(0.0, start)
    for _ in range(MAXITER):
        w = 1 / (v + tau2)
        sw, sw2, sw3 = np.sum(w), np.sum(w**2), np.sum(w**3)
        mu = np.sum(w * y) / sw
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2 * sw3 / sw + sw2**2 / sw**2
        adj = (np.sum(w**2 * (y - mu) ** 2) - tr_p) / tr_pp
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        if abs(adj) < threshold:
            if tau2 > THRESHOLD and restricted_loglik(y, v, 0.0) - restricted_loglik(y, v, tau2) > LL_TOL:
                return 0.0  # metafor's ll0check: stuck at a local maximum, τ² = 0 is more likely
            return float(tau2)
    raise ArithmeticError("REML (Fisher scoring) did not converge")


def restricted_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The REML log-likelihood of the intercept-only model (as metafor's ``rma.uni`` computes it):
    -½(k-1)log 2π - ½Σlog(v+τ²) - ½log Σw - ½Σw(y-μ̂)², w = 1/(v+τ²)."""
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-0.5 * (len(y) - 1) * np.log(2 * np.pi) - 0.5 * np.sum(np.log(v + tau2))
                 - 0.5 * np.log(np.sum(w)) - 0.5 * np.sum(w * (y - mu) ** 2))


def paule_mandel(yi, vi) -> float:
    y, v = _arrays(yi, vi)
    k = len(y)
    if k < 2:
        return 0.0

    def excess(tau2: float) -> float:
        return q_statistic(y, v, tau2) - (k - 1)

    if excess(0.0) <= 0:
        return 0.0
    lower, upper = 0.0, max(1.0, float(np.var(y, ddof=1)) * 10)
    while excess(upper) > 0:
        lower, upper = upper, upper * 10
        if upper > 1e12:
            raise ArithmeticError("Paule–Mandel: no root for tau²")
    for _ in range(200):  # bisection: Q(τ²) is decreasing, so the sign change stays bracketed
        middle = (lower + upper) / 2
        if middle in (lower, upper):
            break
        lower, upper = (middle, upper) if excess(middle) > 0 else (lower, middle)
    return float((lower + upper) / 2)


ESTIMATORS = {"DL": dersimonian_laird, "REML": reml, "PM": paule_mandel}
