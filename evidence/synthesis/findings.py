"""What the build computes for a finding: its pooled result and study rows (from its study-level data)
and its anticipated absolute effects (from its comparator risk and relative effect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Optional

from ..schema import StudyIn
from . import pool_studies
from .absolute import RELATIVE, anticipated_absolute
from .assist import suggestions

# The study data is defined once, by StudyIn (schema.py): each of its fields is stored in the study_results
# column of the same name, except the CI given with a study's estimate, stored as reported_ci_* because
# ci_lower/ci_upper there are the CI the build computed. Re-pooling (stored.py) reads the columns back.
STUDY_COLUMNS = {name: {"ci_lower": "reported_ci_lower", "ci_upper": "reported_ci_upper"}.get(name, name)
                 for name in StudyIn.model_fields}
DEFAULT_METHOD = "REML"


@dataclass
class Synthesis:
    columns: dict[str, Any] = field(default_factory=dict)  # pooled_* and grade_suggestions for the findings row
    studies: list[dict] = field(default_factory=list)  # study_results rows
    error: Optional[str] = None  # the study data cannot be pooled (names the study)
    differs: Optional[str] = None  # the recorded effect differs from the pooled one beyond rounding


def synthesise(finding_id: str, f: Mapping[str, Any], studies: list[Mapping[str, Any]]) -> Synthesis:
    """Pool a finding's studies with its effect measure and pooling method (REML by default)."""
    if not studies:
        return Synthesis()
    method = f.get("pooling_method") or DEFAULT_METHOD
    try:
        result = pool_studies([{k: v for k, v in s.items() if v is not None} for s in studies],
                              f["effect_measure"], method)
    except ValueError as e:
        return Synthesis(error=str(e))
    computed = {s.label: s for s in result.studies}
    left_out = dict(result.excluded)
    rows = []
    for position, study in enumerate(studies, 1):
        row = {"finding_id": finding_id, "position": position,
               **{column: study.get(name) for name, column in STUDY_COLUMNS.items()}}
        done = computed.get(study["label"])
        if done:
            row.update(effect=done.estimate, ci_lower=done.ci_lower, ci_upper=done.ci_upper, weight=done.weight)
        row["note"] = left_out.get(study["label"])
        rows.append(row)
    participants = sum((s.get("n_int") or 0) + (s.get("n_ctl") or 0) for s in studies) or None
    columns = {
        "pooled_k": result.k, "pooled_effect": result.estimate, "pooled_ci_lower": result.ci_lower,
        "pooled_ci_upper": result.ci_upper, "pooled_i2": result.i2, "pooled_tau2": result.tau2,
        "pooled_pi_lower": result.pi_lower, "pooled_pi_upper": result.pi_upper,
        "grade_suggestions": " ".join(suggestions(result, participants, f.get("comparator_risk"))) or None,
    }
    return Synthesis(columns, rows, differs=_difference(f, result.estimate, result.ci_lower, result.ci_upper))


def _decimals(value: float) -> int:
    return max(0, -Decimal(repr(value)).normalize().as_tuple().exponent)


def _difference(f: Mapping[str, Any], estimate: float, lower: float, upper: float) -> Optional[str]:
    """The recorded effect and CI against the pooled ones, each rounded as the recorded value is printed."""
    pairs = [(f.get("effect"), estimate), (f.get("ci_lower"), lower), (f.get("ci_upper"), upper)]
    if f.get("effect") is None or all(round(c, _decimals(r)) == r for r, c in pairs if r is not None):
        return None
    recorded = f"{f['effect']:g}" + (f" ({f['ci_lower']:g} to {f['ci_upper']:g})" if f.get("ci_lower") is not None else "")
    return f"recorded {f['effect_measure']} {recorded} differs from the pooled {estimate:.2f} ({lower:.2f} to {upper:.2f})"


def absolute_columns(f: Mapping[str, Any]) -> dict[str, Any]:
    """Anticipated absolute effects per 1000 from the comparator risk and the relative effect (recorded,
    else pooled) with its CI; empty when either is missing or the measure is not relative."""
    acr, measure = f.get("comparator_risk"), f.get("effect_measure")
    estimate, lower, upper = f.get("effect"), f.get("ci_lower"), f.get("ci_upper")
    if estimate is None and f.get("pooled_effect") is not None:
        estimate, lower, upper = f["pooled_effect"], f["pooled_ci_lower"], f["pooled_ci_upper"]
    if acr is None or measure not in RELATIVE or None in (estimate, lower, upper) or min(estimate, lower, upper) <= 0:
        return {}
    a = anticipated_absolute(acr, measure, estimate, lower, upper)
    return {"intervention_risk": a.risk, "intervention_risk_ci_lower": a.risk_lower,
            "intervention_risk_ci_upper": a.risk_upper, "risk_difference": a.difference,
            "risk_difference_ci_lower": a.difference_lower, "risk_difference_ci_upper": a.difference_upper}
