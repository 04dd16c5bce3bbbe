"""Study CSVs (evidence.synthesis.csvinput): every problem as FILE:LINE: message, never a traceback."""

from __future__ import annotations

import csv

from pathlib import Path

import pytest

from evidence.problems import EvidenceError
from evidence.synthesis import csvinput
from evidence.synthesis.csvinput import read_studies

DATA = Path(__file__).parent / "data"


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "studies.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError) as e:
        read_studies(path)
    return str(e.value).replace(str(path), "FILE").splitlines()


def test_reads_both_shapes():
    kind, rows = read_studies(DATA / "dat_bcg.csv")
    assert kind == "binary" and len(rows) == 13
    assert rows[0] == {"label": "Aronson 1948", "events_int": 4, "n_int": 123, "events_ctl": 11, "n_ctl": 139}
    kind, rows = read_studies(DATA / "dat_normand1999.csv")
    assert kind == "continuous" and len(rows) == 9 and rows[0]["sd_ctl"] == 64.0


def test_empty_file(tmp_path):
    assert problems(tmp_path, "") == ["FILE:1: the file is empty (expected a header and at least 1 study)"]


def test_header_only_has_no_studies(tmp_path):
    assert problems(tmp_path, "study,events_int,n_int,events_ctl,n_ctl\n") == [
        "FILE:1: no studies: the file has a header but no rows (need at least 1 study)"]


def test_missing_and_unknown_columns(tmp_path):
    found = problems(tmp_path, "study,events_int,n_int,events_ctl,total_ctl\nA,1,10,2,10\n")
    assert found[0].startswith("FILE:1: missing column(s) for binary data: n_ctl")
    assert found[1].startswith("FILE:1: unknown column(s): 'total_ctl'")
    assert problems(tmp_path, "name,value\nA,1\n")[0].startswith("FILE:1: cannot tell binary from continuous data")


def test_all_row_problems_with_their_lines(tmp_path):
    text = ("study,events_int,n_int,events_ctl,n_ctl\n"
            "A,1,10,2,10\n"
            "B,x,10,2,10\n"
            "C,12,10,2,10\n"
            "D,-1,10,2,10\n"
            "E,1,10,inf,10\n"
            "F,1.5,10,2,10\n"
            ",1,10,2,10\n"
            "G,1,10\n")
    assert problems(tmp_path, text) == [
        "FILE:3: events_int: 'x' is not a number",
        "FILE:4: events_int: 12 events exceed the arm total n_int = 10",
        "FILE:5: events_int: negative count -1",
        "FILE:6: events_ctl: 'inf' is not a finite number",
        "FILE:7: events_int: 1.5 is not a whole number",
        "FILE:8: study: empty study label",
        "FILE:9: expected 5 values, found 3",
    ]


def test_continuous_sd_must_be_positive(tmp_path):
    text = ("study,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl\n"
            "A,1,0,10,2,1,10\n"
            "B,1,1,10,2,-3,10\n"
            "C,nan,1,10,2,1,0\n")
    assert problems(tmp_path, text) == [
        "FILE:2: sd_int: SD must be greater than 0, not 0",
        "FILE:3: sd_ctl: SD must be greater than 0, not -3",
        "FILE:4: mean_int: 'nan' is not a finite number",
        "FILE:4: n_ctl: an arm needs at least 1 participant",
    ]


def test_blank_lines_are_skipped_and_bom_is_fine(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("\ufeffstudy,events_int,n_int,events_ctl,n_ctl\n\nA,1,10,2,10\n", encoding="utf-8")
    assert read_studies(path) == ("binary", [{"label": "A", "events_int": 1, "n_int": 10, "events_ctl": 2, "n_ctl": 10}])


def test_generic_estimates_with_a_ci_or_an_se(tmp_path):
    path = tmp_path / "generic.csv"
    path.write_text("study,estimate,ci_lower,ci_upper,se\nA,0.8,0.6,1.1,\nB,0.7,,,0.2\n", encoding="utf-8")
    assert read_studies(path) == ("generic", [{"label": "A", "estimate": 0.8, "ci_lower": 0.6, "ci_upper": 1.1},
                                              {"label": "B", "estimate": 0.7, "se": 0.2}])
    assert problems(tmp_path, "study,estimate,se\nA,0.8,\nB,x,0\n") == [
        "FILE:2: give the 95% CI (ci_lower and ci_upper) or the SE (se)",
        "FILE:3: estimate: 'x' is not a number", "FILE:3: se: SE must be greater than 0, not 0"]
    assert problems(tmp_path, "study,estimate,ci_lower\nA,0.8,0.6\n") == [
        "FILE:1: missing column(s) for generic data: ci_upper, (or se) (expected study,estimate,ci_lower,ci_upper,se)"]


# ---- a Cochrane data package's data-rows CSV (issue #24 item 10) ------------------------------------------------
# tests/data/cochrane_data_rows.csv has the data-rows header of a Cochrane data package as R's meta::read.cdir
# reads it (guido-s/meta, R/read.cdir.R: "Analysis group", "Analysis number", …, "Experimental cases",
# "Experimental N", "Control cases", "Control N", …), holding dat.bcg (analysis 1.1) and dat.normand1999
# (analysis 1.2) from the files beside it.

PACKAGE = DATA / "cochrane_data_rows.csv"


def test_a_data_package_analysis_reads_as_the_same_studies():
    assert read_studies(PACKAGE, "1.1") == read_studies(DATA / "dat_bcg.csv")
    assert read_studies(PACKAGE, "1.2") == read_studies(DATA / "dat_normand1999.csv")


def test_a_data_package_needs_its_analysis_named(tmp_path):
    with pytest.raises(EvidenceError) as e:
        read_studies(PACKAGE)
    assert str(e.value) == (f"{PACKAGE}:1: the file holds 2 analyses (1.1 BCG vaccine: tuberculosis; 1.2 Length of "
                            "hospital stay): choose one with --analysis")
    with pytest.raises(EvidenceError, match=r":1: no analysis '3.1' in the file \(it holds: 1.1 BCG"):
        read_studies(PACKAGE, "3.1")
    with pytest.raises(EvidenceError, match="--analysis is for a Cochrane data package"):
        read_studies(DATA / "dat_bcg.csv", "1.1")
    lines = PACKAGE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",6,306,", ",six,306,")
    broken = tmp_path / "rows.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as e:
        read_studies(broken, "1.1")
    assert str(e.value) == f"{broken}:3: Experimental cases: 'six' is not a number"


def test_import_studies_prints_a_studies_block_that_reads_back(tmp_path):
    import yaml
    from click.testing import CliRunner

    from evidence.cli import cli

    result = CliRunner().invoke(cli, ["import-studies", str(PACKAGE), "--analysis", "1.1"])
    assert result.exit_code == 0, result.output
    studies = yaml.safe_load(result.output)["studies"]
    assert studies == read_studies(DATA / "dat_bcg.csv")[1]
    pooled = CliRunner().invoke(cli, ["pool", str(PACKAGE), "--analysis", "1.1", "--measure", "RR", "--json"])
    import json

    # metafor docs/reference/rma.uni.html (dat.bcg, log RR, REML): estimate -0.7145, tau2 0.3132
    out = json.loads(pooled.output)
    assert round(out["log_estimate"], 4) == -0.7145 and round(out["tau2"], 4) == 0.3132
CSV_HEADER = "study,events_int,n_int,events_ctl,n_ctl\n"


@pytest.mark.parametrize("cell", ["1_0", "١٠", "１０", "0x10"])
def test_a_count_is_written_in_ascii_digits(tmp_path, cell):
    """float() reads '1_0' and Arabic-Indic or full-width digits as 10 (issue 22, item 14): a CSV cell is not
    a Python literal."""
    f = tmp_path / "s.csv"
    f.write_text(CSV_HEADER + f"A,{cell},20,5,20\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match=rf"s.csv:2: events_int: '{cell}' is not a number"):
        read_studies(f)


def test_a_field_over_the_csv_limit_is_a_line_not_a_traceback(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text(CSV_HEADER + "A," + "1" * (csv.field_size_limit() + 10) + ",20,5,20\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"s.csv:2: field larger than field limit"):
        read_studies(f)


def test_a_file_past_the_size_limits_is_refused(tmp_path, monkeypatch):
    f = tmp_path / "s.csv"
    f.write_text(CSV_HEADER + "".join(f"S{i},1,20,5,20\n" for i in range(5)), encoding="utf-8")
    monkeypatch.setattr(csvinput, "MAX_STUDIES", 3)
    with pytest.raises(EvidenceError, match=r"s.csv:5: more than 3 studies"):
        read_studies(f)
    monkeypatch.setattr(csvinput, "MAX_BYTES", 10)
    with pytest.raises(EvidenceError, match=r"s.csv:1: the file is \d+ bytes"):
        read_studies(f)
