"""The ``pool`` and ``forest-csv`` click commands (evidence.synthesis.cli), run through CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from evidence.synthesis.cli import forest_csv, pool

DATA = Path(__file__).parent / "data"
BCG = str(DATA / "dat_bcg.csv")
NORMAND = str(DATA / "dat_normand1999.csv")
KEYS = ["k", "measure", "method", "estimate", "ci_lower", "ci_upper", "log_estimate", "se", "tau2", "i2", "q",
        "pi_lower", "pi_upper", "h2", "q_df", "q_p", "z", "p", "hartung_knapp", "prediction"]


def run(command, *args: str):
    return CliRunner().invoke(command, list(args))


def test_json_has_exactly_the_agreed_keys():
    result = run(pool, BCG, "--measure", "RR", "--method", "REML", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [k for k in out if k != "studies"] == KEYS
    assert out["k"] == 13 and out["measure"] == "RR" and out["method"] == "REML"
    # REML on dat.bcg: tau2 0.3132, estimate -0.7145 on the log scale (metafor docs/reference/rma.uni.html)
    assert round(out["tau2"], 4) == 0.3132 and round(out["log_estimate"], 4) == -0.7145
    assert len(out["studies"]) == 13 and round(sum(s["weight"] for s in out["studies"]), 6) == 100


def test_json_nulls_where_undefined():
    out = json.loads(run(pool, BCG, "--measure", "OR", "--method", "MH", "--json").output)
    assert out["tau2"] is None and out["pi_lower"] is None and out["pi_upper"] is None
    out = json.loads(run(pool, NORMAND, "--measure", "SMD", "--method", "DL", "--hartung-knapp",
                         "--prediction", "t", "--json").output)
    assert out["pi_lower"] < out["ci_lower"] < out["estimate"] < out["ci_upper"] < out["pi_upper"]


def test_readable_summary():
    result = run(pool, BCG, "--measure", "RR", "--method", "DL")
    assert result.exit_code == 0
    assert "Aronson 1948" in result.output and "Pooled RR: 0.4896 [0.3449, 0.6950]" in result.output
    assert "tau² = 0.3088" in result.output and "I² = 92.12%" in result.output


@pytest.mark.parametrize("args, message", [
    ((NORMAND, "--measure", "SMD", "--method", "MH"), "MH (Mantel-Haenszel) is only for binary measures"),
    ((BCG, "--measure", "MD"), "binary data (events/totals) take --measure RR, OR or RD"),
    ((NORMAND, "--measure", "RR"), "continuous data (means/SDs) take --measure MD or SMD"),
    ((BCG, "--measure", "RR", "--method", "FE", "--hartung-knapp"), "--hartung-knapp is for random-effects methods"),
])
def test_wrong_combinations_are_clear_errors(args, message):
    result = run(pool, *args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_bad_csv_gives_file_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("study,events_int,n_int,events_ctl,n_ctl\nA,5,4,1,10\nB,1,10,x,10\n", encoding="utf-8")
    result = run(pool, str(bad), "--measure", "RR")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{bad}:2: events_int: 5 events exceed the arm total n_int = 4" in result.output
    assert f"{bad}:3: events_ctl: 'x' is not a number" in result.output


@pytest.mark.parametrize("command", [pool, forest_csv])
def test_every_option_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and command.help
    options = [p for p in command.params if isinstance(p, click.Option)]
    assert options and all(p.help for p in options), [p.name for p in options if not p.help]


def test_forest_csv_writes_svg(tmp_path):
    out = tmp_path / "plot.svg"
    result = run(forest_csv, BCG, "--measure", "RR", "--method", "REML", "-o", str(out))
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and svg.count('id="study-square-') == 13


def test_generic_csv_pools_as_metafor_and_names_the_hartung_knapp_interval(tmp_path):
    path = tmp_path / "generic.csv"
    path.write_text("study,estimate,ci_lower,ci_upper,se\nA,0.8,0.6,1.1,\nB,0.7,,,0.2\n", encoding="utf-8")
    out = json.loads(run(pool, str(path), "--measure", "HR", "--method", "REML", "--json").output)
    # metafor 3.8-1: rma(yi=log(c(0.8, 0.7)), vi=c(((log(1.1)-log(0.6))/(2*qnorm(.975)))^2, 0.04));
    # predict(res, transf=exp): 0.7610 [0.5988, 0.9672]
    assert (round(out["estimate"], 4), round(out["ci_lower"], 4), round(out["ci_upper"], 4)) == (0.7610, 0.5988, 0.9672)
    text = run(pool, BCG, "--measure", "RR", "--method", "REML", "--hartung-knapp").output
    assert "Prediction interval, t, df = 12 (metafor):" in text and "(z)" not in text


def test_forest_csv_puts_favours_intervention_on_the_desirable_side(tmp_path):
    import re

    def x_of(svg: str, words: str) -> float:
        [x] = re.findall(rf'x="([0-9.]+)"[^>]*>{re.escape(words)}</text>', svg)
        return float(x)

    out = tmp_path / "plot.svg"
    assert run(forest_csv, BCG, "--measure", "RR", "--desirable", "higher", "-o", str(out)).exit_code == 0
    svg = out.read_text(encoding="utf-8")
    assert x_of(svg, "Favours intervention") > x_of(svg, "Favours control")
    assert run(forest_csv, BCG, "--measure", "RR", "-o", str(out)).exit_code == 0  # RevMan's default: lower is better
    svg = out.read_text(encoding="utf-8")
    assert x_of(svg, "Favours intervention") < x_of(svg, "Favours control")
    run(forest_csv, BCG, "--measure", "RR", "--favours-left", "Less TB", "--favours-right", "More TB", "-o", str(out))
    assert ">Less TB</text>" in out.read_text(encoding="utf-8")
