"""Living synthesis: a finding's study-level results are pooled at build, with study rows, a warning when
the recorded effect differs, and anticipated absolute effects from the comparator risk."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.build import check
from evidence.cli import cli
from tests.conftest import RR_WITH_COMPARATOR_RISK, ROOT, line_of, query

BCG = list(csv.DictReader((ROOT / "tests" / "data" / "dat_bcg.csv").open(encoding="utf-8")))


def studies_yaml() -> str:
    lines = ["      effect_measure: RR\n      pooling_method: REML\n      studies:\n"]
    for row in BCG:
        lines.append(f"        - label: \"{row['study']}\"\n")
        lines += [f"          {k}: {row[k]}\n" for k in ("events_int", "n_int", "events_ctl", "n_ctl")]
    return "".join(lines)


def with_studies(project, extra: str = "") -> str:
    return project.edit("      certainty: low\n", "      certainty: low\n" + studies_yaml() + extra)


def test_studies_are_pooled_at_build_with_their_rows(project):
    with_studies(project)
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    [(k, effect, lower, upper, tau2)] = query(db, "select pooled_k, pooled_effect, pooled_ci_lower, pooled_ci_upper, "
                                                  "pooled_tau2 from findings")
    # metafor docs/reference/rma.uni.html (dat.bcg, log RR, REML): estimate -0.7145, CI -1.0669 to -0.3622, tau2 0.3132
    assert k == 13
    assert round(math.log(effect), 4) == -0.7145 and round(tau2, 4) == 0.3132
    assert (round(math.log(lower), 4), round(math.log(upper), 4)) == (-1.0669, -0.3622)
    rows = query(db, "select label, weight from study_results order by position")
    assert [r[0] for r in rows] == [r["study"] for r in BCG] and round(sum(r[1] for r in rows), 6) == 100


def test_a_recorded_effect_that_differs_from_the_pooled_one_is_a_warning_naming_both(project):
    provenance = ("      effect_source_document: published-facts.md\n      effect_source_locator: table 1\n"
                  "      effect_quote: RR 0.60\n")
    text = with_studies(project, "      effect: 0.60\n      ci_lower: 0.34\n      ci_upper: 0.70\n" + provenance)
    _, report, _ = check(Path("data"))
    assert [str(p) for p in report.problems] == [
        f"data/studies.yaml:{line_of(text, 'effect: 0.60')}: smith-2020-f1.effect: warning: recorded RR 0.6 (0.34 to 0.7) "
        "differs from the pooled 0.49 (0.34 to 0.70)"]
    project.edit("effect: 0.60", "effect: 0.49")  # as printed, rounded to two decimals: no warning
    assert check(Path("data"))[1].problems == []


def test_studies_without_a_measure_or_with_impossible_counts_are_problems(project):
    text = with_studies(project).replace("      effect_measure: RR\n", "")
    (project.data / "studies.yaml").write_text(text, encoding="utf-8")
    _, report, _ = check(Path("data"))
    assert [p.message for p in report.errors] == ["study-level results need an effect_measure to pool them"]


def test_absolute_effects_from_the_comparator_risk(project):
    project.edit("      certainty: low\n", "      certainty: low\n" + RR_WITH_COMPARATOR_RISK)
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    [row] = query(db, "select intervention_risk, intervention_risk_ci_lower, intervention_risk_ci_upper, risk_difference, "
                      "risk_difference_ci_lower, risk_difference_ci_upper from findings")
    # by hand: 627 × 1.23 = 771.21, 627 × 1.08 = 677.16, 627 × 1.39 = 871.53; differences 144.21, 50.16, 244.53
    assert [round(x, 2) for x in row] == [771.21, 677.16, 871.53, 144.21, 50.16, 244.53]


def test_pool_command_prints_the_agreed_json_keys(tmp_path):
    result = CliRunner().invoke(cli, ["pool", str(ROOT / "tests" / "data" / "dat_bcg.csv"), "--measure", "RR",
                                      "--method", "REML", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert list(data)[:20] == ["k", "measure", "method", "estimate", "ci_lower", "ci_upper", "log_estimate", "se",
                               "tau2", "i2", "q", "pi_lower", "pi_upper", "h2", "q_df", "q_p", "z", "p",
                               "hartung_knapp", "prediction"]
    assert round(data["log_estimate"], 4) == -0.7145  # metafor docs/reference/rma.uni.html


def test_a_pooled_finding_shows_its_forest_plot_and_absolute_effects(project):
    from tests.conftest import client_for

    with_studies(project, "      comparator_risk: 100\n      comparator_risk_source_document: published-facts.md\n"
                          "      comparator_risk_source_locator: p. 1\n      comparator_risk_quote: 100 per 1000\n")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    get = client_for(db)
    page = get("/evidence/findings/smith-2020-f1").text
    assert "RR 0.49 (0.34 to 0.70); 13 studies; I² 92%" in page  # I² 92.22 (metafor docs/reference/rma.uni.html)
    assert 'src="/forest/smith-2020-f1.svg"' in page
    # 100 per 1000 × 0.4894 = 48.9 → 49; 100 × 0.3441 = 34.4 → 34; 100 × 0.6962 = 69.6 → 70 (by hand)
    assert '<td class="absolute-intervention">49 per 1000 (34 to 70)</td>' in page
    svg = get("/forest/smith-2020-f1.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text == get("/forest/smith-2020-f1.svg").text  # same inputs, same bytes
    out = project.root / "plot.svg"
    assert CliRunner().invoke(cli, ["forest", "smith-2020-f1", "--db", str(db), "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == svg.text
    assert get("/forest/nobody.svg").status_code == 404


# ---- what the build computes for one finding (evidence.synthesis.findings), without a build -----------------

def bcg_rows() -> list[dict]:
    return [{"label": r["study"], **{k: int(r[k]) for k in ("events_int", "n_int", "events_ctl", "n_ctl")}} for r in BCG]


def test_the_findings_pooling_method_and_its_columns():
    from evidence.synthesis.findings import synthesise

    rows = bcg_rows()
    dl = synthesise("f", {"effect_measure": "RR", "pooling_method": "DL"}, rows)
    # metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (DL, RR): tau2 0.3088, I² 92.1173
    assert round(dl.columns["pooled_tau2"], 4) == 0.3088 and round(dl.columns["pooled_i2"], 4) == 92.1173
    reml = synthesise("f", {"effect_measure": "RR"}, rows)  # REML when the finding names no method
    # metafor docs/reference/rma.uni.html: tau2 0.3132; predict(): 0.49 (0.34 to 0.70), PI 0.15 to 1.55
    c = reml.columns
    assert (c["pooled_k"], round(c["pooled_tau2"], 4)) == (13, 0.3132)
    assert [round(c[k], 2) for k in ("pooled_effect", "pooled_ci_lower", "pooled_ci_upper", "pooled_pi_lower",
                                     "pooled_pi_upper")] == [0.49, 0.34, 0.70, 0.15, 1.55]
    assert set(c) == {"pooled_k", "pooled_effect", "pooled_ci_lower", "pooled_ci_upper", "pooled_i2", "pooled_tau2",
                      "pooled_pi_lower", "pooled_pi_upper", "grade_suggestions"}
    # the study rows: numbered from 1, with each study's RR and CI (study 1: exp(-0.8893) = 0.4110, metafor README)
    first = reml.studies[0]
    assert [s["position"] for s in reml.studies] == list(range(1, 14)) and first["finding_id"] == "f"
    assert (round(first["effect"], 3), round(first["ci_lower"], 3), round(first["ci_upper"], 2)) == (0.411, 0.134, 1.26)
    assert first["weight"] > 0 and first["note"] is None
    # I² 92% and the PI includes 1 while the CI does not: two suggestions, one sentence each, joined by a space
    assert c["grade_suggestions"] == "Possible inconsistency: I² = 92% (above 50%). Possible inconsistency: the " \
                                     "prediction interval (0.15 to 1.55) includes no effect."


def test_participants_and_left_out_studies_in_the_rows():
    from evidence.synthesis.findings import synthesise

    # the studies of test_synthesis_assist: 50 + 50 + 60 + 60 + 40 + 40 = 300 participants, OIS 1806 at 200 per 1000
    studies = [{"label": "A", "events_int": 10, "n_int": 50, "events_ctl": 12, "n_ctl": 50},
               {"label": "B", "events_int": 30, "n_int": 60, "events_ctl": 10, "n_ctl": 60},
               {"label": "C", "events_int": 5, "n_int": 40, "events_ctl": 15, "n_ctl": 40},
               {"label": "Z", "events_int": 0, "n_int": 0 + 5, "events_ctl": 0, "n_ctl": 5}]
    s = synthesise("f", {"effect_measure": "RR", "pooling_method": "DL", "comparator_risk": 200}, studies)
    assert "Possible imprecision: 310 participants, fewer than the optimal information size of 1806" \
           in s.columns["grade_suggestions"]  # 300 + the left-out study's 10
    assert s.studies[3]["note"].startswith("double-zero study") and "effect" not in s.studies[3]
    generic = [{"label": "G1", "estimate": 0.5, "se": 0.2}, {"label": "G2", "estimate": 0.6, "se": 0.2}]
    s = synthesise("f", {"effect_measure": "RR", "comparator_risk": 200}, generic)
    assert "optimal information size" not in (s.columns["grade_suggestions"] or "")  # no arm sizes: no count
    assert synthesise("f", {"effect_measure": "MD"}, [{"label": "M", "estimate": 2.0, "se": 0.5}]).columns[
        "grade_suggestions"] is None  # MD 2 (1.02 to 2.98), one study: nothing to suggest
    bad = synthesise("f", {"effect_measure": "RR"}, [{"label": "X", "events_int": 5, "n_int": 4, "events_ctl": 1,
                                                       "n_ctl": 4}])
    assert bad.error == "X: events cannot exceed the arm total" and bad.columns == {}


def test_recorded_effect_against_the_pooled_one_as_printed():
    from evidence.synthesis.findings import _difference

    # as printed: 0.49 has two decimals, so 0.4894 reads as 0.49; a lower bound printed 0.33 differs from 0.3441
    # (0.34), an upper bound printed 0.8 from 0.6962 (0.7 at one decimal)
    assert _difference({"effect": 0.49, "ci_lower": 0.34, "ci_upper": 0.7, "effect_measure": "RR"},
                       0.4894, 0.3441, 0.6962) is None
    assert _difference({"effect": 0.49, "ci_lower": 0.33, "ci_upper": 0.7, "effect_measure": "RR"}, 0.4894, 0.3441,
                       0.6962) == "recorded RR 0.49 (0.33 to 0.7) differs from the pooled 0.49 (0.34 to 0.70)"
    assert _difference({"effect": 0.49, "ci_lower": 0.34, "ci_upper": 0.8, "effect_measure": "RR"}, 0.4894, 0.3441,
                       0.6962) == "recorded RR 0.49 (0.34 to 0.8) differs from the pooled 0.49 (0.34 to 0.70)"
    assert _difference({"effect": 0.6, "effect_measure": "RR"}, 0.4894, 0.3441, 0.6962) == \
        "recorded RR 0.6 differs from the pooled 0.49 (0.34 to 0.70)"
    assert _difference({"effect": 1.0, "effect_measure": "MD"}, 0.6, 0.2, 1.0) is None  # 0.6 printed as 1 is 1
    assert _difference({"effect_measure": "RR"}, 0.4894, 0.3441, 0.6962) is None


def test_absolute_columns_use_the_recorded_effect_else_the_pooled_one():
    from evidence.synthesis.findings import absolute_columns

    pooled = {"pooled_effect": 0.5, "pooled_ci_lower": 0.25, "pooled_ci_upper": 1.0}
    # ACR 200, RR 0.5 (0.25 to 1.0): 100 (50 to 200) per 1000, differences -100 (-150 to 0) (by hand)
    row = absolute_columns({"comparator_risk": 200, "effect_measure": "RR", "effect": None, **pooled})
    assert [round(row[k], 6) for k in ("intervention_risk", "intervention_risk_ci_lower", "intervention_risk_ci_upper",
                                       "risk_difference", "risk_difference_ci_lower", "risk_difference_ci_upper")] \
        == [100, 50, 200, -100, -150, 0]
    # a recorded RR 2 (1 to 4) wins over the pooled one: 400 per 1000
    recorded = absolute_columns({"comparator_risk": 200, "effect_measure": "RR", "effect": 2.0, "ci_lower": 1.0,
                                 "ci_upper": 4.0, **pooled})
    assert round(recorded["intervention_risk"], 6) == 400
    base = {"comparator_risk": 200, "effect_measure": "RR", "effect": 0.5, "ci_lower": 0.25, "ci_upper": 1.0}
    for change in ({"comparator_risk": None}, {"effect_measure": "MD"}, {"ci_upper": None}, {"effect": 0.0},
                   {"ci_lower": 0.0}, {"ci_upper": 0.0}):
        assert absolute_columns({**base, **change}) == {}, change


# ---- issue #24 item 6 and issue #23: the outcome's desirable direction, and studies given as estimates ------

def _x_of(svg: str, words: str) -> float:
    import re

    [x] = re.findall(rf'x="([0-9.]+)"[^>]*>{re.escape(words)}</text>', svg)
    return float(x)


def test_a_return_to_work_forest_plot_favours_the_intervention_on_the_right(project):
    from tests.conftest import client_for

    with_studies(project)  # the finding's outcome is return_to_work: desirable higher (data/vocabulary/outcome.yaml)
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    svg = client_for(db)("/forest/smith-2020-f1.svg").text
    assert _x_of(svg, "Favours intervention") > _x_of(svg, "Favours control")
    project.edit("outcome: return_to_work", "outcome: sickness_absence")  # desirable lower: RevMan's layout
    builder.build(Path("data"), db)
    svg = client_for(db)("/forest/smith-2020-f1.svg").text
    assert _x_of(svg, "Favours intervention") < _x_of(svg, "Favours control")


def test_studies_given_as_estimates_with_a_ci_are_plotted_from_the_stored_rows(project):
    from tests.conftest import client_for

    project.edit("      certainty: low\n", "      certainty: low\n      effect_measure: HR\n      studies:\n"
                 "        - label: Alpha 2019\n          estimate: 0.8\n          ci_lower: 0.6\n          ci_upper: 1.1\n"
                 "        - label: Beta 2021\n          estimate: 0.7\n          se: 0.2\n")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    assert query(db, "select label, estimate, reported_ci_lower, reported_ci_upper, se from study_results "
                     "order by position") == [("Alpha 2019", 0.8, 0.6, 1.1, None), ("Beta 2021", 0.7, None, None, 0.2)]
    svg = client_for(db)("/forest/smith-2020-f1.svg")
    assert svg.status_code == 200 and "Alpha 2019" in svg.text and "Beta 2021" in svg.text
    out = project.root / "plot.svg"
    result = CliRunner().invoke(cli, ["forest", "smith-2020-f1", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == svg.text


def test_every_study_data_field_has_its_stored_column():
    from evidence.schema import StudyIn, StudyResult
    from evidence.synthesis.findings import STUDY_COLUMNS

    assert set(STUDY_COLUMNS) == set(StudyIn.model_fields)
    assert set(STUDY_COLUMNS.values()) <= set(StudyResult.model_fields)


def test_no_finding_of_benefit_favours_the_control(real_db):
    """A finding whose direction is benefit (harm) has an effect that, read with its outcome's desirable
    direction, does not favour the control (intervention). van-gils-2012a-f2 stored +10.7 on the HECSI,
    where lower is better, beside 'in favour of integrated care' (issue #26 item 4)."""
    import sqlite3

    from evidence.presenter import continuous_text, favoured

    conn = sqlite3.connect(real_db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("select * from findings_labelled where effect is not null")]
    wrong = [f["id"] for f in rows if (f["direction"], favoured(f)) in (("benefit", "control"), ("harm", "intervention"))]
    assert wrong == []
    [van_gils] = [f for f in rows if f["id"] == "van-gils-2012a-f2"]
    assert favoured(van_gils) == "intervention"
    # published-facts.md: "HECSI difference 10.7 points (95% CI 0.3 to 21.1) in favour of integrated care"
    assert continuous_text(van_gils) == "MD 10.7 lower (21.1 lower to 0.3 lower)"
