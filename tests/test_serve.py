"""Datasette serving the built database, through datasette.client and `datasette --get`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evidence.serve import app, serve_args
from tests.oracle_counts import counted_per_condition
from tests.conftest import ROOT, query

METADATA = ROOT / "metadata.yml"


@pytest.fixture(scope="module")
def get(site):
    return site


def test_condition_facet_counts_equal_sql_counts(real_db, get):
    response = get("/evidence/findings.json?_facet=condition&_size=0")
    assert response.status_code == 200
    facet = response.json()["facet_results"]["condition"]
    assert not facet["truncated"]
    counts = {item["value"]: item["count"] for item in facet["results"]}
    assert counts == counted_per_condition(real_db)  # counted once, narrower conditions rolled up
    assert counts["traumatic_brain_injury"] >= 4


def test_every_configured_facet_is_returned(get):
    response = get("/evidence/findings.json?_size=0")
    assert set(response.json()["facet_results"]) == {"condition", "certainty", "intervention_type", "outcome", "source_design"}


def test_search_returns_hits(real_db, get):
    rows = get("/evidence/findings.json?_search=rehabilitation&_shape=array").json()
    expected = query(real_db, "select count(*) from findings_fts where findings_fts match 'rehabilitation'")[0][0]
    assert len(rows) == expected > 0
    indexed = {i: " ".join(map(str, t)).lower() for i, *t in query(real_db, "select f.id, s.* from search_findings s "
                                                                       "join findings f on f.rowid = s.rid")}
    assert all("rehabilitation" in indexed[r["id"]] for r in rows)  # its text, or its terms' names and synonyms


def test_foreign_keys_display_as_labels(get):
    rows = get("/evidence/findings.json?_shape=array&_labels=on&condition=traumatic_brain_injury").json()
    assert rows[0]["condition"] == {"value": "traumatic_brain_injury", "label": "traumatic brain injury (traumatisch hersenletsel)"}
    assert rows[0]["intervention_type"]["label"] == "cognitive rehabilitation (cognitieve revalidatie)"
    assert rows[0]["source_id"]["label"] == "Kumar 2017"


def test_served_read_only(get):
    response = get("/evidence.json?sql=" + "delete from findings")
    assert response.status_code == 400


def test_settings_come_from_metadata(real_db):
    datasette = app(real_db, METADATA)
    assert datasette.setting("sql_time_limit_ms") == 1000
    args = serve_args(real_db, METADATA, "127.0.0.1", 8001)
    assert args[:3] == ["serve", "-i", str(real_db)]
    triples = [args[i:i + 3] for i, a in enumerate(args) if a == "--setting"]
    from evidence.metadata import read

    assert {t[1]: t[2] for t in triples} == {k: str(v) for k, v in read(METADATA)["settings"].items()}


def test_datasette_get_smoke(real_db):
    result = subprocess.run(
        [sys.executable, "-m", "datasette", str(real_db), "-m", str(METADATA), "--get", "/evidence/findings.json?_shape=array&_size=1"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert '"id":' in result.stdout
