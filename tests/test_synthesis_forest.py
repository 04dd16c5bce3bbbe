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
