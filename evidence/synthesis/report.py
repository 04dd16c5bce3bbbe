"""Text for people: number and P-value formatting, method labels, and the plain-text summary of a pooled result
(used by the ``pool`` command and the forest plot)."""

from __future__ import annotations

import math
from typing import Optional

from .pooling import PoolResult


def method_label(result: PoolResult) -> str:
    """RevMan's column header wording: 'M-H, Fixed', 'IV, Fixed' or 'IV, Random'."""
    if result.method == "MH":
        return "M-H, Fixed"
    if result.method == "FE":
        return "IV, Fixed"
    return "IV, Random"


def method_note(result: PoolResult) -> str:
    """The random-effects details the column header leaves out ('' for FE and MH)."""
    if result.method in ("FE", "MH"):
        return ""
    parts = [f"Tau² estimator: {result.method}"]
    if result.hartung_knapp:
        parts.append(f"CI: Hartung–Knapp–Sidik–Jonkman (t, df = {result.q_df})")
    if result.pi_lower is not None:
        parts.append(f"prediction interval: {prediction_rule(result)}")
    return "; ".join(parts)


def prediction_rule(result: PoolResult) -> str:
    """Which quantile the prediction interval used."""
    if result.prediction == "t":
        return f"t, df = {result.k - 2} (Riley 2011)"
    return f"t, df = {result.q_df} (metafor)" if result.hartung_knapp else "z (metafor)"


def fmt_p(p: Optional[float]) -> str:
    """RevMan-like: 'P < 0.00001', 'P < 0.0001', 'P = 0.0002', 'P = 0.002', 'P = 0.43'."""
    if p is None or not math.isfinite(p):
        return "P not estimable"
    for limit, text in ((0.00001, "P < 0.00001"), (0.0001, "P < 0.0001")):
        if p < limit:
            return text
    decimals = 4 if p < 0.001 else 3 if p < 0.01 else 2
    return f"P = {p:.{decimals}f}"


def fixed(x: float, decimals: int = 2) -> str:
    """Fixed decimals without a negative zero ('-0.00' → '0.00')."""
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def significant(x: float, digits: int = 3) -> str:
    """τ² and the like to significant figures ('0.00214', '0.313', '0'), not fixed decimals that print a
    small τ² as 0.0000 beside an I² of 40%."""
    return "0" if x == 0 else f"{x:.{digits}g}"


def summary(result: PoolResult) -> str:
    """A readable per-study table and the pooled lines."""
    width = max([len(s.label) for s in result.studies] + [len("Study")])
    lines = [f"{result.measure}, {method_label(result)} ({result.method}), k = {result.k}", "",
             f"{'Study':<{width}}  {'Effect':>8}  {'95% CI':<20}  {'Weight':>7}"]
    for s in result.studies:
        ci = f"[{fixed(s.ci_lower, 4)}, {fixed(s.ci_upper, 4)}]"
        flag = "  (0.5 added to cells)" if s.corrected else ""
        lines.append(f"{s.label:<{width}}  {fixed(s.estimate, 4):>8}  {ci:<20}  {s.weight:>6.2f}%{flag}")
    for label, reason in result.excluded:
        lines.append(f"{label:<{width}}  left out: {reason}")
    lines += ["",
              f"Pooled {result.measure}: {fixed(result.estimate, 4)} [{fixed(result.ci_lower, 4)}, {fixed(result.ci_upper, 4)}]"
              + (" (Hartung-Knapp)" if result.hartung_knapp else ""),
              f"{'log estimate' if result.ratio else 'estimate'}: {result.log_estimate:.4f}, se: {result.se:.4f}, "
              + (f"t = {result.z:.4f}, df = {result.q_df}" if result.hartung_knapp else f"z = {result.z:.4f}")
              + f", {fmt_p(result.p)}"]
    if result.pi_lower is not None:
        lines.append(f"Prediction interval, {prediction_rule(result)}: [{fixed(result.pi_lower, 4)}, {fixed(result.pi_upper, 4)}]")
    het = [f"tau² = {significant(result.tau2, 4)}"] if result.tau2 is not None else []
    if result.q is not None:
        het.append(f"Q = {result.q:.4f}, df = {result.q_df}, {fmt_p(result.q_p)}")
    if result.i2 is not None:
        het.append(f"I² = {result.i2:.2f}%")
    if result.h2 is not None:
        het.append(f"H² = {result.h2:.2f}")
    lines.append("Heterogeneity: " + ("; ".join(het) if het else "not applicable (k = 1)"))
    return "\n".join(lines)
