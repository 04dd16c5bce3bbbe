"""Twin paths held equal: `evidence pool --json` prints what the Python API (``pool_studies``) returns
for the same studies; a BibTeX page range (``--``, as BibTeX writes it) reads as an en dash does."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.cli import cli
from evidence.synthesis import pool_studies
from evidence.synthesis.names import BINARY, CONTINUOUS, METHODS, RANDOM
from tests.conftest import query
from tests.profiles import examples

COUNT = st.integers(1, 400)


@st.composite
def binary_study(draw):
    n_int, n_ctl = draw(COUNT), draw(COUNT)
    return {"events_int": draw(st.integers(0, n_int)), "n_int": n_int, "events_ctl": draw(st.integers(0, n_ctl)),
            "n_ctl": n_ctl}


MEAN = st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 2))
SD = st.floats(0.1, 30).map(lambda x: round(x, 2))
continuous_study = st.fixed_dictionaries({"mean_int": MEAN, "sd_int": SD, "n_int": st.integers(2, 300),
                                          "mean_ctl": MEAN, "sd_ctl": SD, "n_ctl": st.integers(2, 300)})


@st.composite
def analyses(draw):
    kind = draw(st.sampled_from(["binary", "continuous"]))
    measure = draw(st.sampled_from(BINARY if kind == "binary" else CONTINUOUS))
    method = draw(st.sampled_from([m for m in METHODS if m != "MH" or kind == "binary"]))
    rows = draw(st.lists(binary_study() if kind == "binary" else continuous_study, min_size=1, max_size=6))
    studies = [{"label": f"Study {i}", **row} for i, row in enumerate(rows, 1)]
    return studies, measure, method, method in RANDOM and draw(st.booleans()), draw(st.sampled_from(["z", "t"]))


@settings(max_examples=examples(200), deadline=None)
@given(analyses())
def test_pool_json_is_the_python_api(analysis):
    """Same studies (a CSV for the command, dicts as the YAML gives them for the API): the same JSON, byte
    for byte, or the same error message."""
    studies, measure, method, hartung_knapp, prediction = analysis
    columns = ["study", *[c for c in studies[0] if c != "label"]]
    csv = "\n".join([",".join(columns), *(",".join(str(s[c if c != "study" else "label"]) for c in columns)
                                          for s in studies)]) + "\n"
    try:
        expected = json.dumps(pool_studies(studies, measure, method, hartung_knapp=hartung_knapp,
                                           prediction=prediction).to_dict(studies=True), ensure_ascii=False) + "\n"
    except (ValueError, ArithmeticError) as e:
        expected = f"Error: {{file}}: {e}\n"
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "studies.csv"
        path.write_text(csv, encoding="utf-8")
        args = ["pool", str(path), "--measure", measure, "--method", method, "--prediction", prediction, "--json"]
        result = CliRunner().invoke(cli, args + (["--hartung-knapp"] if hartung_knapp else []))
        assert result.output == expected.replace("{file}", str(path)), csv


# --- page ranges ----------------------------------------------------------------------------------------


def test_a_bibtex_page_range_with_two_hyphens_reaches_ris_and_fhir_as_first_and_last_page(real_db, tmp_path):
    """data/references.bib gives tamminga2019 ``pages = {701--710}`` (BibTeX writes a range with "--"):
    RIS (read back by rispy) and the FHIR Citation say first page 701, last page 710."""
    import rispy

    source = next(s for s, key in query(real_db, "select id, citation_key from sources") if key == "tamminga2019")
    ris = CliRunner().invoke(cli, ["export", "ris", "--source", source, "--db", str(real_db)])
    [record] = [r for r in rispy.loads(ris.stdout) if r.get("doi") == "10.1007/s10926-019-09831-8" or
                "10.1007/s10926-019-09831-8" in " ".join(r.get("urls", []))]
    assert (record["start_page"], record["end_page"]) == ("701", "710")
    out = tmp_path / "bundle.json"
    assert CliRunner().invoke(cli, ["export", "fhir", "--source", source, "--db", str(real_db), "-o", str(out)]).exit_code == 0
    [form] = [f for e in json.loads(out.read_text())["entry"] if e["resource"]["resourceType"] == "Citation"
              for f in e["resource"].get("citedArtifact", {}).get("publicationForm", []) if f.get("volume") == "29"]
    assert (form["pageString"], form["firstPage"], form["lastPage"]) == ("701--710", "701", "710")


def test_every_way_of_writing_a_page_range_splits_alike():
    from evidence.exports.references import split_pages

    for pages in ("268--277", "268 -- 277", "268–277", "268 – 277", "268-277", "268—277"):
        assert split_pages(pages) == ("268", "277"), pages
    assert split_pages("e094201") == ("e094201", "") and split_pages("CD007569") == ("CD007569", "")
