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
    assert list(data)[:13] == ["k", "measure", "method", "estimate", "ci_lower", "ci_upper", "log_estimate", "se",
                               "tau2", "i2", "q", "pi_lower", "pi_upper"]
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
