"""GRADE anticipated absolute effects (summary of findings tables) and wording for MD and SMD. Pure functions.

With the assumed comparator risk ACR as a proportion (per 1000 / 1000) and a relative effect X:

* RR: intervention risk = ACR·RR
* OR: intervention risk = OR·ACR / (1 - ACR + OR·ACR)
* HR: intervention risk = 1 - (1 - ACR)^HR  (ACR the comparator's risk of the event by a fixed time)

applied to the point estimate and to each bound of the relative effect's 95% CI; each risk is bounded to
0–1000 per 1000. Only a risk ratio can reach past 1000 (OR and HR keep risks below 1); where ACR·RR does,
the risk is *capped*: :func:`capped` says so, and the presenter marks each capped number and says why
(a zero-width "1000 to 1000" would otherwise look precise). The risk difference per 1000 is (intervention risk - ACR) at the estimate and at both
bounds (Schünemann et al., Cochrane Handbook ch. 14; GRADEpro). Numbers are returned unrounded;
``per_1000`` rounds half up for display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional
from decimal import ROUND_HALF_UP, Decimal

from .names import RATIO as RELATIVE  # noqa: E402  (the ratio measures of evidence/scales.yaml)


@dataclass(frozen=True)
class AbsoluteEffect:
    comparator: float  # assumed comparator risk per 1000
    risk: float  # intervention risk per 1000
    risk_lower: float
    risk_upper: float
    difference: float  # risk difference per 1000 (intervention - comparator)
    difference_lower: float
    difference_upper: float

    def text(self) -> str:
        """'771 per 1000 (677 to 872)'."""
        return f"{per_1000(self.risk)} per 1000 ({per_1000(self.risk_lower)} to {per_1000(self.risk_upper)})"

    def difference_text(self) -> str:
        """GRADE wording: '144 more per 1000 (from 50 more to 245 more)'."""
        return (f"{more_fewer(self.difference)} per 1000 "
                f"(from {more_fewer(self.difference_lower)} to {more_fewer(self.difference_upper)})")


def per_1000(x: float) -> int:
    """Round half up (0.5 → 1), as tables are read; Python's round() would round half to even."""
    return int(_half_up(x, 0))


def more_fewer(x: float) -> str:
    n = per_1000(x)
    return f"{abs(n)} more" if n > 0 else f"{abs(n)} fewer" if n < 0 else "0 fewer"


def intervention_risk(acr: float, measure: str, relative: float) -> float:
    """Intervention risk as a proportion from the comparator risk (proportion) and a relative effect."""
    if measure not in RELATIVE:
        raise ValueError(f"measure must be one of {', '.join(RELATIVE)}, not {measure!r}")
    if not 0 <= acr <= 1:
        raise ValueError("the assumed comparator risk must lie between 0 and 1000 per 1000")
    if not (relative > 0 and math.isfinite(relative)):
        raise ValueError("a relative effect must be a finite number greater than 0")
    if measure == "RR":
        risk = acr * relative
    elif measure == "OR":
        risk = relative * acr / (1 - acr + relative * acr)
    else:
        risk = 1 - (1 - acr) ** relative
    return min(max(risk, 0.0), 1.0)


def capped(acr_per_1000: float, measure: str, relative: Optional[float]) -> bool:
    """Whether the intervention risk for this relative effect was capped at 1000 per 1000 (ACR·RR > 1000)."""
    return measure == "RR" and relative is not None and acr_per_1000 * relative > 1000


def anticipated_absolute(acr_per_1000: float, measure: str, estimate: float, ci_lower: float, ci_upper: float) -> AbsoluteEffect:
    """Anticipated absolute effect per 1000 for a relative effect (RR, OR or HR) with its 95% CI."""
    acr = acr_per_1000 / 1000
    risks = [1000 * intervention_risk(acr, measure, x) for x in (estimate, ci_lower, ci_upper)]
    diffs = [r - acr_per_1000 for r in risks]
    return AbsoluteEffect(acr_per_1000, *risks, *diffs)


def _half_up(x: float, decimals: int) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _direction(x: float, decimals: int, unit: str = "") -> str:
    """'2.5 points higher', '0.3 lower', or '0.0' when it rounds to zero (rounding half up)."""
    rounded = _half_up(x, decimals)
    text = f"{abs(rounded)}{unit}"
    if rounded == 0:
        return text
    return f"{text} {'higher' if rounded > 0 else 'lower'}"


def md_text(estimate: float, ci_lower: float, ci_upper: float, unit: str = "", decimals: int = 1) -> str:
    """GRADE wording for a mean difference: 'MD 2.5 points higher (1.1 higher to 3.9 higher)'."""
    unit = f" {unit}" if unit else ""
    return f"MD {_direction(estimate, decimals, unit)} ({_direction(ci_lower, decimals)} to {_direction(ci_upper, decimals)})"


def smd_text(estimate: float, ci_lower: float, ci_upper: float, decimals: int = 2) -> str:
    """GRADE wording for an SMD, in standard-deviation units: 'SMD 0.35 SD lower (0.56 lower to 0.14 lower)'."""
    return md_text(estimate, ci_lower, ci_upper, unit="SD", decimals=decimals).replace("MD ", "SMD ", 1)
