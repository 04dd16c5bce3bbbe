"""GRADE assistance: suggestions beside the panel's judgement, never replacing it.

From a pooled result: possible imprecision (the 95% CI includes no effect; fewer participants than the
optimal information size) and possible inconsistency (I² above 50%; a prediction interval that includes
no effect). The optimal information size is the total sample size a single adequately powered trial
would need (GRADE guidelines 6, Guyatt et al. 2011: two-sided α 0.05, power 0.8, and a relative risk
reduction the panel chooses; 25% is the default the paper uses as an example).
"""

from __future__ import annotations

import math
from typing import Optional

from scipy.stats import norm

from .pooling import PoolResult

I2_THRESHOLD = 50.0  # percent; Cochrane Handbook 10.10.2: "50% to 90% may represent substantial heterogeneity"


def null_value(result: PoolResult) -> float:
    return 1.0 if result.ratio else 0.0


def includes(lower: Optional[float], upper: Optional[float], value: float) -> bool:
    return lower is not None and upper is not None and lower <= value <= upper


def optimal_information_size(comparator_risk: float, rrr: float = 0.25, alpha: float = 0.05, power: float = 0.8) -> int:
    """Total participants (both arms) to detect a relative risk reduction ``rrr`` from a comparator
    risk (a proportion) with a two-sided test of two proportions."""
    p1, p2 = comparator_risk, comparator_risk * (1 - rrr)
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    per_arm = z ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    return 2 * math.ceil(per_arm)


def suggestions(result: PoolResult, participants: Optional[int] = None,
                comparator_risk_per_1000: Optional[float] = None) -> list[str]:
    """Possible reasons to rate down, in words, for the panel to consider."""
    out = []
    null = null_value(result)
    if includes(result.ci_lower, result.ci_upper, null):
        out.append(f"Possible imprecision: the 95% CI ({result.ci_lower:.2f} to {result.ci_upper:.2f}) includes no effect.")
    if participants is not None and comparator_risk_per_1000 and 0 < comparator_risk_per_1000 < 1000:
        ois = optimal_information_size(comparator_risk_per_1000 / 1000)
        if participants < ois:
            out.append(f"Possible imprecision: {participants} participants, fewer than the optimal information size "
                       f"of {ois} (25% relative risk reduction, α 0.05, power 0.8).")
    if result.i2 is not None and result.i2 > I2_THRESHOLD:
        out.append(f"Possible inconsistency: I² = {result.i2:.0f}% (above {I2_THRESHOLD:.0f}%).")
    if includes(result.pi_lower, result.pi_upper, null) and not includes(result.ci_lower, result.ci_upper, null):
        out.append(f"Possible inconsistency: the prediction interval ({result.pi_lower:.2f} to {result.pi_upper:.2f}) "
                   "includes no effect.")
    return out
