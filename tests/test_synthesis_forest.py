"""Forest plot SVG (evidence.synthesis.forest): deterministic bytes, one square per study, RevMan parts."""

from __future__ import annotations

import html
import re
from pathlib import Path

from evidence.synthesis import pool_studies
from evidence.synthesis.csvinput import read_studies
from evidence.synthesis.forest import forest_svg

DATA = Path(__file__).parent / "data"
BCG = read_studies(DATA / "dat_bcg.csv")[1]


def texts(svg: str) -> list[str]:
    return [html.unescape(t).strip() for t in re.findall(r"<text[^>]*>([^<]*)", svg)]


def test_same_input_same_bytes_and_one_square_per_study():
    result = pool_studies(BCG, "RR", "REML")
    first, second = forest_svg(result), forest_svg(result)
    assert first == second
    assert len(re.findall(r'<g id="study-square-\d+"', first)) == 13
    assert 'id="pooled-diamond"' in first and 'id="prediction-interval"' in first
    assert "<dc:date>" not in first  # no date in the metadata


def test_revman_columns_and_footer_lines():
    svg = forest_svg(pool_studies(BCG, "RR", "REML"), labels={"intervention": "BCG", "control": "No BCG"})
    words = texts(svg)
    for expected in ("BCG", "No BCG", "Events", "Total", "Weight", "Risk Ratio", "Total (95% CI)", "Total events",
                     "Prediction interval", "Favours intervention", "Favours control", "0.49 [0.34, 0.70]", "100.0%"):
        assert expected in words, expected
    assert "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%" in words
    assert "Test for overall effect: Z = 3.97 (P < 0.0001)" in words
    assert "1" in words  # the line of no effect at 1 on the log axis


def test_continuous_columns_and_no_prediction_interval_for_fixed_effect():
    rows = read_studies(DATA / "dat_normand1999.csv")[1]
    svg = forest_svg(pool_studies(rows, "MD", "FE"))
    words = texts(svg)
    assert "Mean" in words and "SD" in words and "Mean Difference" in words and "IV, Fixed, 95% CI" in words
    assert 'id="prediction-interval"' not in svg and "Prediction interval" not in words
    assert len(re.findall(r'<g id="study-square-\d+"', svg)) == 9


def test_concurrent_renders_give_the_bytes_of_serial_ones():
    """Datasette draws plots in threads; matplotlib's rcParams are process-wide (issue #22 item 8)."""
    from concurrent.futures import ThreadPoolExecutor

    from evidence.synthesis import forest

    results = [pool_studies(BCG[:k], measure, method) for k in (3, 5, 8, 13) for measure, method in
               (("RR", "REML"), ("OR", "DL"), ("RD", "FE"))]
    forest._CACHE.clear()
    serial = [forest_svg(r) for r in results]
    assert len(forest._CACHE) == len(results)
    assert forest_svg(results[0]) is serial[0]  # drawn once, then kept by the hash of what it shows
    forest._CACHE.clear()
    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(forest_svg, results * 2))
    assert concurrent == serial * 2


def test_a_ci_beyond_the_axis_ends_in_an_arrow():
    wide = {"label": "Tiny 2001", "events_int": 1, "n_int": 10, "events_ctl": 1, "n_ctl": 12}  # RR CI 0.07 to 14
    svg = forest_svg(pool_studies([*BCG, wide], "RR", "REML"))
    assert 'id="study-arrow-14-left"' in svg and 'id="study-arrow-14-right"' in svg
    assert "study-arrow-1-" not in svg  # Aronson 1948's CI (0.13 to 1.26) fits the axis


def test_a_not_estimable_study_is_a_row_and_counts_in_the_totals():
    zero = {"label": "Zero 2020", "events_int": 0, "n_int": 50, "events_ctl": 0, "n_ctl": 60}
    words = texts(forest_svg(pool_studies([*BCG[:3], zero], "RR", "FE")))
    row = words.index("Zero 2020")
    assert words[row:row + 6] == ["Zero 2020", "0", "50", "0", "60", "Not estimable"]
    # dat.bcg's first three trials: 123 + 306 + 231 vaccinated, 139 + 303 + 220 not (tests/data/dat_bcg.csv)
    total = words.index("Total (95% CI)")
    assert words[total + 1:total + 3] == [str(123 + 306 + 231 + 50), str(139 + 303 + 220 + 60)]


def test_continuous_columns_do_not_run_into_each_other():
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401  (the figure's canvas)

    from evidence.synthesis import forest

    studies = [{"label": f"S{i}", "mean_int": 43.09512 + i, "sd_int": 10.49762, "n_int": 1234,
                "mean_ctl": -143.0951, "sd_ctl": 110.4976, "n_ctl": 5678} for i in range(3)]
    result = pool_studies(studies, "MD", "FE")
    with forest.matplotlib.rc_context(forest.RC):
        figure = forest._figure(result, forest.DEFAULT_LABELS)
        renderer = figure.canvas.get_renderer()
        frame = figure.axes[0]
        by_row: dict[float, list] = {}
        for t in frame.texts:
            by_row.setdefault(round(t.get_position()[1], 3), []).append(t.get_window_extent(renderer))
    for boxes in by_row.values():
        boxes.sort(key=lambda b: b.x0)
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))


def test_thousands_of_studies_give_a_summary_plot_quickly():
    import time

    from evidence.synthesis.forest import MAX_ROWS

    many = [{"label": f"S{i}", "estimate": 0.1 * (i % 7), "se": 0.3} for i in range(MAX_ROWS + 1)]
    started = time.perf_counter()
    svg = forest_svg(pool_studies(many, "MD", "DL"))
    assert time.perf_counter() - started < 10
    assert "study-square-" not in svg and 'id="pooled-diamond"' in svg
    assert f"{MAX_ROWS + 1} studies: a row per study is drawn up to {MAX_ROWS} studies" in " ".join(texts(svg))
