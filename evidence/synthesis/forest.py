"""RevMan-style forest plot of a :class:`PoolResult` as SVG text (matplotlib, Agg canvas, no pyplot).

Left to right: study label; per-arm data (events and total for binary data; mean, SD and total for
continuous data; log estimate and SE for generic input); weight (%); the effect with its 95% CI as text;
the plot panel. In the panel: per study a square whose *area* is proportional to its weight and a line for
its CI; the pooled diamond (width = 95% CI); the prediction interval as a bar below it (random effects,
where defined); the line of no effect (1 on a log axis for ratios, 0 for differences); "Favours …" labels
under the axis, "Favours intervention" on the side where the outcome's ``desirable`` direction lies
(:func:`favours`). The axis spans the study estimates and the pooled intervals; a study CI running past it
ends in an arrow. A study left out as not estimable is a row ("Not estimable") and counts in the totals.
Below the studies: totals, the heterogeneity line (Tau², Chi² = Q, df, P, I²) and the test for the
overall effect (Z, or t under Hartung–Knapp, and P). Above ``MAX_ROWS`` studies the plot is a summary
(the pooled rows only), so thousands of studies draw in seconds.

The output is deterministic: Matplotlib's default style inside an rc context, ``svg.hashsalt`` fixed,
text kept as text (``svg.fonttype='none'``), no date in the metadata — the same result gives the same
bytes. Each study's square is an SVG group with id ``study-square-N`` (N from 1), the diamond
``pooled-diamond`` and the prediction interval ``prediction-interval``.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from dataclasses import dataclass
from typing import Mapping, Optional

import matplotlib
import matplotlib.style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from .pooling import PoolResult
from .report import fixed, fmt_p, method_label, method_note, significant

MEASURE_NAMES = {"RR": "Risk Ratio", "OR": "Odds Ratio", "HR": "Hazard Ratio", "RD": "Risk Difference",
                 "MD": "Mean Difference", "SMD": "Std. Mean Difference"}
DEFAULT_LABELS = {"intervention": "Intervention", "control": "Control", "study": "Study or Subgroup",
                  "favours_left": "Favours intervention", "favours_right": "Favours control", "title": ""}
RC = {"svg.hashsalt": "evidence-forest", "svg.fonttype": "none", "font.size": 8, "font.family": "DejaVu Sans"}
ROW = 0.22  # inches per row
WIDTH = 11.0  # inches
PANEL = (0.74, 0.98)  # plot panel, figure fraction
X_WEIGHT, X_EFFECT = 0.515, 0.625  # weight and effect-text columns, figure fraction
RATIO_SCALES = {2: (0.5, 0.7, 1, 1.5, 2), 5: (0.2, 0.5, 1, 2, 5), 10: (0.1, 0.2, 0.5, 1, 2, 5, 10),
                20: (0.05, 0.2, 1, 5, 20), 50: (0.02, 0.1, 1, 10, 50), 100: (0.01, 0.1, 1, 10, 100),
                1000: (0.001, 0.1, 1, 10, 1000)}


def favours(desirable: Optional[str]) -> dict[str, str]:
    """The labels under the axis for an outcome whose ``desirable`` direction (the outcome vocabulary's
    attribute) is "higher" or "lower": "Favours intervention" on the side where the intervention is better.
    Where the vocabulary does not say, the labels say only which side is which."""
    if desirable == "higher":
        return {"favours_left": "Favours control", "favours_right": "Favours intervention"}
    if desirable == "lower":
        return {"favours_left": "Favours intervention", "favours_right": "Favours control"}
    return {"favours_left": "Lower with intervention", "favours_right": "Higher with intervention"}


def _effect_text(est: float, lo: float, hi: float) -> str:
    return f"{fixed(est)} [{fixed(lo)}, {fixed(hi)}]"


def _axis(result: PoolResult) -> tuple[tuple[float, float], tuple[float, ...]]:
    """The axis spans the study estimates, the pooled CI and the prediction interval; a study CI reaching
    further ends in an arrow at the edge (RevMan), rather than squeezing every other row."""
    bounds = [s.estimate for s in result.studies]
    bounds += [result.ci_lower, result.ci_upper]
    bounds += [b for b in (result.pi_lower, result.pi_upper) if b is not None]
    bounds = [b for b in bounds if b is not None and math.isfinite(b) and (b > 0 or not result.ratio)]
    if result.ratio:
        reach = max([abs(math.log(b)) for b in bounds] + [math.log(1.5)])
        scale = next((s for s in sorted(RATIO_SCALES) if math.log(s) >= reach), 1000)
        ticks = RATIO_SCALES[scale]
        return (1 / scale, scale), ticks
    reach = max([abs(b) for b in bounds] + [1e-12])
    magnitude = 10 ** math.floor(math.log10(reach))
    scale = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= reach)
    return (-scale, scale), (-scale, -scale / 2, 0, scale / 2, scale)


def _columns(result: PoolResult) -> tuple[list[tuple[str, str, float]], str]:
    """[(arm, key-or-header, x)] for the data columns and the study kind shown."""
    kinds = {s.kind for s in result.studies}
    kind = kinds.pop() if len(kinds) == 1 else "generic"
    if kind == "binary":
        return [("int", "Events", 0.28), ("int", "Total", 0.33), ("ctl", "Events", 0.39), ("ctl", "Total", 0.44)], kind
    if kind == "continuous":
        return [("int", "Mean", 0.215), ("int", "SD", 0.265), ("int", "Total", 0.31),
                ("ctl", "Mean", 0.36), ("ctl", "SD", 0.41), ("ctl", "Total", 0.455)], kind
    return [("", "log[Estimate]" if result.ratio else "Estimate", 0.33), ("", "SE", 0.42)], kind


def _num(x: float) -> str:
    """Whole numbers in full ('191064'), others to 5 significant digits (so neighbouring columns do not run
    into each other: '43.095' and '0.49762', not '43.09510.49762')."""
    return str(int(x)) if float(x).is_integer() else f"{x:.5g}"


def _cell(study, kind: str, arm: str, header: str) -> str:
    d = study.data
    if kind == "binary":
        return _num(d[("events_" if header == "Events" else "n_") + arm])
    if kind == "continuous":
        return _num(d[{"Mean": "mean_", "SD": "sd_", "Total": "n_"}[header] + arm])
    return f"{study.yi:.4f}" if header != "SE" else f"{math.sqrt(study.vi):.4f}"


def forest_svg(result: PoolResult, labels: Optional[Mapping[str, str]] = None) -> str:
    """The forest plot as SVG text.

    ``labels`` overrides display texts: ``intervention``, ``control`` (arm headers), ``study`` (first
    column header), ``favours_left``, ``favours_right`` (under the axis; defaults "Favours intervention"
    left, "Favours control" right, RevMan's default for an outcome where lower is better — take them from
    :func:`favours` with the outcome's ``desirable`` attribute), ``title``.
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    key = hashlib.sha256(repr((result, sorted(text.items()))).encode()).hexdigest()
    with _LOCK:
        svg = _CACHE.get(key)
        if svg is None:
            svg = _render(result, text)
            _CACHE[key] = svg
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
        return svg


# Matplotlib's rcParams are process-wide and Datasette renders in threads: a plot drawn while another thread's
# rc_context is restored would pick up the wrong style (or a random SVG hash salt). One lock serialises
# drawing; each plot is kept by the hash of what it shows, so a plot is drawn once.
_LOCK = threading.Lock()
_CACHE: dict[str, str] = {}
CACHE_SIZE = 256


def _render(result: PoolResult, text: Mapping[str, str]) -> str:
    with matplotlib.rc_context():
        matplotlib.style.use("default")
        matplotlib.rcParams.update(RC)
        out = io.StringIO()
        _figure(result, text).savefig(out, format="svg", metadata={"Date": None})
        return out.getvalue()


@dataclass(frozen=True)
class _Rows:
    """Vertical positions in row units (0 = the header's first line, rows go downwards)."""

    studies: tuple[float, ...]
    total: float
    events: float
    pi: float
    het: float
    overall: float
    axis: float
    favours: float
    top: float
    bottom: float

    @classmethod
    def layout(cls, result: PoolResult, binary: bool, title: bool, notes: int) -> "_Rows":
        k = len(_drawn(result)) + (len(result.excluded) if _drawn(result) else 0)
        total = -(k + 2.4)
        events = total - 1 if binary else total
        pi = events - 1 if result.pi_lower is not None else events
        axis = pi - 0.8
        overall = pi - 2.2
        return cls(tuple(-(i + 2) for i in range(k)), total, events, pi, pi - 1.2, overall, axis, axis - 2.2,
                   1.2 if title else 0.8, min(overall - notes, axis - 2.2) - 0.8)


MAX_ROWS = 200  # above this many studies the plot is a summary: the pooled result without a row per study


def _drawn(result: PoolResult) -> tuple:
    """The study rows drawn: all of them, or none above MAX_ROWS (a plot of thousands of rows is unreadable,
    and took minutes and a gigabyte to draw)."""
    return result.studies if len(result.studies) + len(result.excluded) <= MAX_ROWS else ()


def _figure(result: PoolResult, text: Mapping[str, str]) -> Figure:
    columns, kind = _columns(result)
    notes = [n for n in (method_note(result),) if n]
    if not _drawn(result):
        notes.append(f"{len(result.studies) + len(result.excluded)} studies: a row per study is drawn up to "
                     f"{MAX_ROWS} studies (`evidence pool --json` lists them all).")
    for label, reason in result.excluded:
        notes.append(f"{label}: {reason}.")
    rows = _Rows.layout(result, kind == "binary", bool(text["title"]), len(notes))
    fig = Figure(figsize=(WIDTH, (rows.top - rows.bottom) * ROW))
    FigureCanvasAgg(fig)
    frame = fig.add_axes((0, 0, 1, 1))
    frame.set_xlim(0, 1)
    frame.set_ylim(rows.bottom, rows.top)
    frame.axis("off")
    _table(frame, result, text, columns, kind, rows, notes)
    _panel(fig, result, rows)
    return fig


def _table(frame, result: PoolResult, text: Mapping[str, str], columns, kind: str, rows: _Rows, notes: list[str]) -> None:
    """Everything written: headers, per-study columns, totals, heterogeneity and overall-effect lines."""

    def put(x: float, y: float, s: str, ha: str = "center", bold: bool = False) -> None:
        frame.text(x, y, s, ha=ha, va="center", fontweight="bold" if bold else "normal")

    if text["title"]:
        put(0.01, 0.6, text["title"], ha="left", bold=True)
    put(0.01, -1, text["study"], ha="left", bold=True)
    for arm, name in (("int", text["intervention"]), ("ctl", text["control"])):
        xs = [x for a, _, x in columns if a == arm]
        if xs:
            put(sum(xs) / len(xs), 0, name, bold=True)
    for _, header, x in columns:
        put(x, -1, header, bold=True)
    put(X_WEIGHT, -1, "Weight", bold=True)
    measure = MEASURE_NAMES.get(result.measure, result.measure)
    for x in (X_EFFECT, sum(PANEL) / 2):
        put(x, 0, measure, bold=True)
        put(x, -1, f"{method_label(result)}, 95% CI", bold=True)
    drawn = _drawn(result)
    for y, s in zip(rows.studies, drawn):
        put(0.01, y, s.label, ha="left")
        for arm, header, x in columns:
            put(x, y, _cell(s, kind, arm, header))
        put(X_WEIGHT, y, f"{s.weight:.1f}%")
        put(X_EFFECT, y, _effect_text(s.estimate, s.ci_lower, s.ci_upper))
    left_out = list(zip(result.excluded, result.excluded_data)) if drawn else []
    for y, ((label, _), data) in zip(rows.studies[len(drawn):], left_out):  # RevMan: listed, not estimable
        put(0.01, y, label, ha="left")
        for arm, header, x in columns:
            if kind == "binary":
                put(x, y, _num(data[("events_" if header == "Events" else "n_") + arm]))
        put(X_EFFECT, y, "Not estimable")
    everyone = [s.data for s in result.studies] + list(result.excluded_data)  # RevMan counts them in the totals
    put(0.01, rows.total, "Total (95% CI)", ha="left", bold=True)
    if kind in ("binary", "continuous"):
        for arm, header, x in columns:
            if header == "Total":
                put(x, rows.total, _num(sum(d["n_" + arm] for d in everyone)), bold=True)
    if kind == "binary":
        put(0.01, rows.events, "Total events", ha="left")
        for arm, header, x in columns:
            if header == "Events":
                put(x, rows.events, _num(sum(d["events_" + arm] for d in everyone)))
    put(X_WEIGHT, rows.total, "100.0%", bold=True)
    put(X_EFFECT, rows.total, _effect_text(result.estimate, result.ci_lower, result.ci_upper), bold=True)
    if result.pi_lower is not None:
        put(0.01, rows.pi, "Prediction interval", ha="left")
        put(X_EFFECT, rows.pi, f"[{fixed(result.pi_lower)}, {fixed(result.pi_upper)}]")
    parts = [f"Tau² = {significant(result.tau2, 2)}"] if result.tau2 is not None else []
    if result.q is not None:
        parts.append(f"Chi² = {result.q:.2f}, df = {result.q_df} ({fmt_p(result.q_p)})")
    if result.i2 is not None:
        parts.append(f"I² = {result.i2:.0f}%")
    put(0.01, rows.het, "Heterogeneity: " + ("; ".join(parts) if parts else "not applicable"), ha="left")
    stat = f"t = {abs(result.z):.2f}, df = {result.q_df}" if result.hartung_knapp else f"Z = {abs(result.z):.2f}"
    put(0.01, rows.overall, f"Test for overall effect: {stat} ({fmt_p(result.p)})", ha="left")
    for i, note in enumerate(notes, 1):
        put(0.01, rows.overall - i, note, ha="left")
    middle = sum(PANEL) / 2
    put((PANEL[0] + middle) / 2, rows.favours, text["favours_left"])
    put((middle + PANEL[1]) / 2, rows.favours, text["favours_right"])


def _panel(fig: Figure, result: PoolResult, rows: _Rows) -> None:
    """The graph: CI lines, weight-sized squares, diamond, prediction interval, line of no effect, axis."""

    def frac(y: float) -> float:  # row units → figure fraction (the frame spans the whole figure)
        return (y - rows.bottom) / (rows.top - rows.bottom)

    top = -1.5
    panel = fig.add_axes((PANEL[0], frac(rows.axis), PANEL[1] - PANEL[0], frac(top) - frac(rows.axis)))
    panel.set_ylim(rows.axis, top)
    (xmin, xmax), ticks = _axis(result)
    if result.ratio:
        panel.set_xscale("log")
    panel.set_xlim(xmin, xmax)
    panel.set_xticks(ticks, [f"{t:g}" for t in ticks])
    panel.minorticks_off()
    panel.set_yticks([])
    for side in ("top", "right", "left"):
        panel.spines[side].set_visible(False)
    panel.axvline(1 if result.ratio else 0, color="black", linewidth=0.8, zorder=1)
    largest = max((s.weight for s in result.studies), default=1) or 1
    for i, (y, s) in enumerate(zip(rows.studies, _drawn(result)), 1):
        lower, upper = max(s.ci_lower, xmin), min(s.ci_upper, xmax)
        panel.plot([lower, upper], [y, y], color="black", linewidth=0.8, zorder=2)
        for edge, beyond, marker in ((xmin, s.ci_lower < xmin, "<"), (xmax, s.ci_upper > xmax, ">")):
            if beyond:  # RevMan: an arrow where the CI runs past the axis
                arrow, = panel.plot([edge], [y], marker=marker, markersize=4, color="black", linestyle="none",
                                    clip_on=False, zorder=2)
                arrow.set_gid(f"study-arrow-{i}-{'left' if marker == '<' else 'right'}")
        size = max(2.0, 9.0 * math.sqrt(s.weight / largest))  # marker side ∝ √weight, so area ∝ weight
        square, = panel.plot([s.estimate], [y], marker="s", markersize=size, color="#1f4e9c", linestyle="none", zorder=3)
        square.set_gid(f"study-square-{i}")
    h, y = 0.35, rows.total
    diamond = Polygon([(result.ci_lower, y), (result.estimate, y + h), (result.ci_upper, y), (result.estimate, y - h)],
                      closed=True, facecolor="black", edgecolor="black", zorder=3)
    diamond.set_gid("pooled-diamond")
    panel.add_patch(diamond)
    if result.pi_lower is not None:
        bar, = panel.plot([result.pi_lower, result.pi_upper], [rows.pi, rows.pi], color="#b22222", linewidth=2.5,
                          solid_capstyle="butt", zorder=3)
        bar.set_gid("prediction-interval")
