"""Mantel–Haenszel pooled estimates for 2×2 tables, as metafor's ``rma.mh`` computes them.

Per study i: a, b (events, non-events, intervention), c, d (control); n1 = a+b, n2 = c+d, N = n1+n2.
The tables are used as observed: no continuity correction (metafor: ``add[2]=0, to[2]="none"``);
zero cells need none because the sums stay finite. Double-zero studies are left out upstream for
RR and OR (they add nothing to the sums), and kept for RD.

* OR: ÔR = R/S, R = Σ a·d/N, S = Σ b·c/N. Var(log ÔR) from Robins, Breslow & Greenland (1986),
  the "Greenland–Robins" variance: ½[ΣP·R/R² + Σ(P·S + Q·R)/(R·S) + ΣQ·S/S²], P = (a+d)/N, Q = (b+c)/N
  (per-study P·R etc.).
* RR: RR̂ = R/S, R = Σ a·n2/N, S = Σ c·n1/N; Var(log RR̂) = Σ(n1·n2·(a+c)/N² - a·c/N) / (R·S)
  (Greenland & Robins 1985).
* RD: RD̂ = Σ(a·n2 - c·n1)/N / Σ n1·n2/N; Var from Sato, Greenland & Robins (1989), metafor's choice
  (RevMan uses the Greenland & Robins 1985 formula, which differs slightly in sparse data):
  [RD̂·Σ(c·(n1/N)² - a·(n2/N)² + (n1/N)(n2/N)(n2-n1)/2) + Σ(a(n2-c) + c(n1-a))/(2N)] / (Σ n1·n2/N)².

Study weights (percent) are the MH weights: OR b·c/N, RR c·n1/N, RD n1·n2/N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class MHEstimate:
    log_estimate: float  # log scale for OR/RR, raw for RD
    se: float
    weights: np.ndarray  # unnormalised MH weights


def mantel_haenszel(measure: str, tables: Sequence[tuple[float, float, float, float]]) -> MHEstimate:
    t = np.asarray(tables, dtype=float)
    if t.ndim != 2 or t.shape[1] != 4 or len(t) == 0:
        raise ValueError("Mantel–Haenszel needs at least one 2×2 table")
    a, b, c, d = t.T
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        r_i, s_i = a * d / n, b * c / n
        R, S = r_i.sum(), s_i.sum()
        if R == 0 or S == 0:
            raise ValueError("Mantel–Haenszel OR not estimable (a zero sum of a·d or b·c)")
        p, q = (a + d) / n, (b + c) / n
        var = 0.5 * (np.sum(p * r_i) / R**2 + np.sum(p * s_i + q * r_i) / (R * S) + np.sum(q * s_i) / S**2)
        return MHEstimate(math.log(R / S), math.sqrt(var), s_i)
    if measure == "RR":
        R, S = np.sum(a * n2 / n), np.sum(c * n1 / n)
        if a.sum() == 0 or c.sum() == 0:
            raise ValueError("Mantel–Haenszel RR not estimable (no events in one arm of every study)")
        var = np.sum(n1 / n * n2 / n * (a + c) - a / n * c) / (R * S)
        return MHEstimate(math.log(R / S), math.sqrt(var), c * n1 / n)
    if measure == "RD":
        w = n1 * n2 / n
        rd = np.sum(a * n2 / n - c * n1 / n) / w.sum()
        var = (rd * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
               + np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2) / w.sum() ** 2
        if not var > 0:
            raise ValueError("Mantel–Haenszel RD not estimable: every study has no events (or all events) in both "
                             "arms, so the risk difference is 0 with an SE of 0")
        return MHEstimate(float(rd), math.sqrt(var), w)
    raise ValueError(f"Mantel–Haenszel is for RR, OR and RD, not {measure}")
