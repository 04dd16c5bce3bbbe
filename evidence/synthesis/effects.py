"""Per-study effect sizes ``yi`` and sampling variances ``vi``, computed as metafor's ``escalc``.

Measures and formulas (arm 1 = intervention, arm 2 = control; a, c events; n1, n2 arm totals;
b = n1 - a, d = n2 - c):

* ``RR``  log risk ratio: yi = log((a/n1) / (c/n2)), vi = 1/a - 1/n1 + 1/c - 1/n2.
* ``OR``  log odds ratio: yi = log((a·d) / (b·c)), vi = 1/a + 1/b + 1/c + 1/d.
* ``RD``  risk difference: yi = a/n1 - c/n2, vi = p1(1-p1)/n1 + p2(1-p2)/n2 (large-sample, escalc vtype "LS").
* ``MD``  mean difference: yi = m1 - m2, vi = sd1²/n1 + sd2²/n2 (escalc vtype "LS"/"UB", no equal-variance assumption).
* ``SMD`` Hedges' g: d = (m1 - m2) / s_pooled with s_pooled² = ((n1-1)sd1² + (n2-1)sd2²) / (n1+n2-2);
  g = J·d with the exact small-sample correction J = Γ(m/2) / (√(m/2)·Γ((m-1)/2)), m = n1+n2-2
  (Hedges 1981; ≈ 1 - 3/(4m-1)); vi = 1/n1 + 1/n2 + g² / (2(n1+n2)) — the large-sample variance
  escalc uses by default (vtype "LS"; Hedges 1982, Hedges & Olkin 1985 eq. 15), with g, not d, in it.
* generic: an estimate with its 95% CI or its SE on the measure's scale. Ratio measures (RR, OR, HR)
  are given on the natural scale and turned into logs: yi = log(est), se = (log(upper) - log(lower)) / (2·1.959964).

Zero cells (binary data): a study with a zero in any of the four cells (no events, or all events, in an
arm) gets 0.5 added to all four cells — metafor's default ``add=1/2, to="only0"``. A *double-zero* study
(no events in both arms, or all events in both arms) carries no information on a ratio scale: it is left
out of RR and OR and reported as left out; it stays in RD (with the correction), as escalc does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from scipy.special import gammaln, ndtri

from .names import BINARY, CONTINUOUS, MEASURES, RATIO  # noqa: E402,F401  (re-exported)
CORRECTION = 0.5
Z95 = float(ndtri(0.975))  # 1.959964...

BINARY_KEYS = ("events_int", "n_int", "events_ctl", "n_ctl")
CONTINUOUS_KEYS = ("mean_int", "sd_int", "n_int", "mean_ctl", "sd_ctl", "n_ctl")


@dataclass(frozen=True)
class Effect:
    """One study on the analysis scale (log scale for ratio measures).

    ``data`` keeps what the study was given as (arm counts, means/SDs, or the generic estimate) for
    tables and forest plots; ``table`` is the uncorrected 2×2 table (a, b, c, d) for Mantel–Haenszel.
    """

    label: str
    yi: float
    vi: float
    kind: str  # "binary", "continuous" or "generic"
    data: Mapping[str, Any] = field(default_factory=dict)
    corrected: bool = False  # 0.5 added to the cells
    table: Optional[tuple[float, float, float, float]] = None


@dataclass(frozen=True)
class EffectSet:
    """The studies of one analysis; ``excluded`` lists (label, reason) for studies left out."""

    measure: str
    effects: tuple[Effect, ...]
    excluded: tuple[tuple[str, str], ...] = ()
    # every study's uncorrected 2×2 table (a, b, c, d), double-zero ones too, for Mantel–Haenszel
    # (``rma.mh`` keeps them: all-event studies add n1·n2/N to both RR sums); None without binary data
    tables: Optional[tuple[tuple[str, tuple[float, float, float, float]], ...]] = None
    excluded_data: tuple[Mapping[str, Any], ...] = ()  # the data of each left-out study (for plots and totals)

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO


def is_ratio(measure: str) -> bool:
    return measure in RATIO


def check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")
    return measure


def double_zero(events_int: float, n_int: float, events_ctl: float, n_ctl: float) -> bool:
    """No events in both arms, or all events in both arms (metafor's ``drop00``)."""
    return (events_int == 0 and events_ctl == 0) or (events_int == n_int and events_ctl == n_ctl)


def binary_effect(measure: str, events_int: float, n_int: float, events_ctl: float, n_ctl: float) -> tuple[float, float, bool]:
    """(yi, vi, corrected) for RR, OR or RD from arm events and totals; see the module docstring.

    Raises ValueError for a double-zero study with a ratio measure (no estimable effect) and for
    impossible counts.
    """
    if measure not in BINARY:
        raise ValueError(f"{measure} is not a measure for binary data ({', '.join(BINARY)})")
    for name, value in zip(BINARY_KEYS, (events_int, n_int, events_ctl, n_ctl)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a non-negative number, not {value!r}")
    if n_int <= 0 or n_ctl <= 0:
        raise ValueError("arm totals must be positive")
    if events_int > n_int or events_ctl > n_ctl:
        raise ValueError("events cannot exceed the arm total")
    if measure in RATIO and double_zero(events_int, n_int, events_ctl, n_ctl):
        raise ValueError("double-zero study: no events (or all events) in both arms")
    a, b, c, d = events_int, n_int - events_int, events_ctl, n_ctl - events_ctl
    corrected = min(a, b, c, d) == 0
    if corrected:
        a, b, c, d = (x + CORRECTION for x in (a, b, c, d))
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    if measure == "RR":
        return math.log(p1 / p2), 1 / a - 1 / n1 + 1 / c - 1 / n2, corrected
    if measure == "OR":
        return math.log((a * d) / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d, corrected
    return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, corrected


def hedges_j(m: float) -> float:
    """Exact small-sample correction J(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2)), m = n1 + n2 - 2 (Hedges 1981)."""
    if m <= 1:
        raise ValueError("Hedges' g needs n_int + n_ctl > 3")
    return math.exp(gammaln(m / 2) - math.log(math.sqrt(m / 2)) - gammaln((m - 1) / 2))


def continuous_effect(measure: str, mean_int: float, sd_int: float, n_int: float,
                      mean_ctl: float, sd_ctl: float, n_ctl: float) -> tuple[float, float]:
    """(yi, vi) for MD or SMD (Hedges' g) from arm means, SDs and sizes; see the module docstring."""
    if measure not in CONTINUOUS:
        raise ValueError(f"{measure} is not a measure for continuous data ({', '.join(CONTINUOUS)})")
    values = (mean_int, sd_int, n_int, mean_ctl, sd_ctl, n_ctl)
    if not all(math.isfinite(v) for v in values):
        raise ValueError("means, SDs and sizes must be finite numbers")
    if sd_int <= 0 or sd_ctl <= 0:
        raise ValueError("SDs must be greater than 0")
    if n_int < 1 or n_ctl < 1:
        raise ValueError("arm sizes must be at least 1")
    if measure == "MD":
        return mean_int - mean_ctl, sd_int**2 / n_int + sd_ctl**2 / n_ctl
    m = n_int + n_ctl - 2
    pooled = math.sqrt(((n_int - 1) * sd_int**2 + (n_ctl - 1) * sd_ctl**2) / m) if m > 0 else float("nan")
    g = hedges_j(m) * (mean_int - mean_ctl) / pooled
    return g, 1 / n_int + 1 / n_ctl + g**2 / (2 * (n_int + n_ctl))


def generic_effect(measure: str, estimate: float, ci_lower: Optional[float] = None,
                   ci_upper: Optional[float] = None, se: Optional[float] = None) -> tuple[float, float]:
    """(yi, vi) from an estimate with a 95% CI or an SE; ratio measures on the natural scale.

    With a CI the SE is (upper - lower) / (2·1.959964) on the analysis (log) scale; an SE given
    for a ratio measure is taken to be the SE of the log ratio (as reported alongside log estimates).
    """
    check_measure(measure)
    ratio = measure in RATIO
    if estimate is None or not math.isfinite(estimate) or (ratio and estimate <= 0):
        raise ValueError("the estimate must be a finite number" + (" greater than 0" if ratio else ""))
    yi = math.log(estimate) if ratio else estimate
    if se is not None:
        if not math.isfinite(se) or se <= 0:
            raise ValueError("the SE must be greater than 0")
        return yi, _variance(se)
    if ci_lower is None or ci_upper is None:
        raise ValueError("give a 95% CI (ci_lower and ci_upper) or an SE")
    if ratio and (ci_lower <= 0 or ci_upper <= 0):
        raise ValueError("CI bounds of a ratio must be greater than 0")
    if not ci_lower < ci_upper:
        raise ValueError("ci_lower must be below ci_upper")
    lo, hi = (math.log(ci_lower), math.log(ci_upper)) if ratio else (ci_lower, ci_upper)
    if not lo <= yi <= hi:
        raise ValueError("the estimate lies outside its CI")
    return yi, _variance((hi - lo) / (2 * Z95))


SE_RANGE = (1e-50, 1e50)  # inverse-variance sums (w, w², w³ over many studies) stay finite in this range


def _variance(se: float) -> float:
    if not SE_RANGE[0] <= se <= SE_RANGE[1]:
        raise ValueError(f"an SE of {se:g} is outside the range the pooling can compute with "
                         f"({SE_RANGE[0]:g} to {SE_RANGE[1]:g}); check the estimate's units or CI")
    return se**2


def kind_of(study: Mapping[str, Any]) -> str:
    """Which data a study gives: "binary", "continuous" or "generic" (by its keys)."""
    if all(study.get(k) is not None for k in BINARY_KEYS):
        return "binary"
    if all(study.get(k) is not None for k in CONTINUOUS_KEYS):
        return "continuous"
    if study.get("estimate") is not None:
        return "generic"
    raise ValueError("a study needs events_int, n_int, events_ctl, n_ctl; or mean_int, sd_int, n_int, "
                     "mean_ctl, sd_ctl, n_ctl; or estimate with ci_lower/ci_upper or se")


def study_effect(study: Mapping[str, Any], measure: str) -> Effect:
    """One study dict (keys as in the YAML: label plus one of the three data shapes) → Effect.

    Raises ValueError with a message naming the problem (the caller adds the study and the place).
    """
    label = str(study.get("label", ""))
    kind = kind_of(study)
    if kind == "binary":
        a, n1, c, n2 = (float(study[k]) for k in BINARY_KEYS)
        yi, vi, corrected = binary_effect(measure, a, n1, c, n2)
        data = {k: study[k] for k in BINARY_KEYS}
        return Effect(label, yi, vi, kind, data, corrected, (a, n1 - a, c, n2 - c))
    if kind == "continuous":
        args = [float(study[k]) for k in CONTINUOUS_KEYS]
        yi, vi = continuous_effect(measure, *args)
        return Effect(label, yi, vi, kind, {k: study[k] for k in CONTINUOUS_KEYS})
    keys = ("estimate", "ci_lower", "ci_upper", "se")
    given = {k: study.get(k) for k in keys if study.get(k) is not None}
    yi, vi = generic_effect(measure, **{k: float(v) for k, v in given.items()})
    return Effect(label, yi, vi, kind, given)


def compute_effects(studies: Sequence[Mapping[str, Any]], measure: str) -> EffectSet:
    """All studies → EffectSet; double-zero studies are left out of RR/OR and listed in ``excluded``.

    Any other problem raises ValueError("<label>: <message>").
    """
    check_measure(measure)
    effects: list[Effect] = []
    excluded: list[tuple[str, str]] = []
    tables: list[tuple[str, tuple[float, float, float, float]]] = []
    excluded_data: list[dict] = []
    for i, study in enumerate(studies, 1):
        label = str(study.get("label") or f"study {i}")
        study = {**study, "label": label}
        try:
            binary = kind_of(study) == "binary"
            if binary:
                a, n1, c, n2 = (float(study[k]) for k in BINARY_KEYS)
                if measure in BINARY:
                    binary_effect("RD", a, n1, c, n2)  # checks the counts
                tables.append((label, (a, n1 - a, c, n2 - c)))
            if measure in RATIO and binary and double_zero(a, n1, c, n2):
                excluded.append((label, DOUBLE_ZERO))
                excluded_data.append({k: study[k] for k in BINARY_KEYS})
                continue
            effects.append(study_effect(study, measure))
        except ValueError as e:
            raise ValueError(f"{label}: {e}") from None
    whole = len(tables) == len(studies) and measure in BINARY
    return EffectSet(measure, tuple(effects), tuple(excluded), tuple(tables) if whole else None, tuple(excluded_data))


DOUBLE_ZERO = "double-zero study (no events, or all events, in both arms): not estimable on a ratio scale"
