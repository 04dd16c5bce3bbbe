"""Faults planted in evidence/metadata.py (and read.py) that their other tests let through (bench/mutation.py,
group read): `evidence metadata` writes metadata.yml as it is (a fixed point, byte for byte), keeps what
is hand-written, and reads it as strictly as the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import metadata
from evidence.problems import EvidenceError
from tests.conftest import ROOT


def test_evidence_metadata_writes_the_committed_file_unchanged(tmp_path):
    """metadata.yml was written by `evidence metadata`: writing it again changes no byte (its header, the
    SQL as | blocks, non-ASCII kept, lines up to 110 characters, the keys in their order)."""
    copy = tmp_path / "metadata.yml"
    copy.write_bytes((ROOT / "metadata.yml").read_bytes())
    metadata.write(copy)
    assert copy.read_bytes() == (ROOT / "metadata.yml").read_bytes()


def test_a_new_metadata_file_holds_every_table_described(tmp_path):
    path = tmp_path / "metadata.yml"
    metadata.write(path)
    written = metadata.read(path)
    assert list(written) == ["databases"]
    tables = written["databases"]["evidence"]["tables"]
    assert tables == {name: {"description": d["description"], "columns": d["columns"]}
                      for name, d in metadata.described_tables().items()}
    assert path.read_text(encoding="utf-8").startswith(metadata.HEADER)


def test_sync_replaces_only_the_descriptions():
    mine = {"title": "T", "databases": {"evidence": {"queries": {"q": {"sql": "select 1"}},
                                                     "tables": {"findings": {"description": "old", "columns": {"x": "y"},
                                                                             "facets": ["condition"]}}}}}
    out = metadata.synced(mine)
    findings = out["databases"]["evidence"]["tables"]["findings"]
    described = metadata.described_tables()["findings"]
    assert findings == {"description": described["description"], "columns": described["columns"], "facets": ["condition"]}
    assert out["title"] == "T" and out["databases"]["evidence"]["queries"] == {"q": {"sql": "select 1"}}


def test_a_multi_line_string_is_a_block_and_a_long_line_is_not_folded():
    text = metadata.dump({"sql": "select 1\nfrom t\n", "long": "word " * 19 + "end", "name": "één"})
    assert "sql: |\n  select 1\n  from t\n" in text
    assert "long: " + "word " * 19 + "end\n" in text and "name: één\n" in text
    assert text.index("sql:") < text.index("long:") < text.index("name:")


def test_settings_are_a_copy_and_empty_when_absent():
    given = {"settings": {"sql_time_limit_ms": 1000}}
    settings = metadata.settings(given)
    assert settings == {"sql_time_limit_ms": 1000}
    settings["x"] = 1
    assert given["settings"] == {"sql_time_limit_ms": 1000}
    assert metadata.settings({}) == {} and metadata.settings({"settings": None}) == {}


@pytest.mark.parametrize("content, message", [
    (b"title: a\ntitle: b\n", "metadata.yml:2: found duplicate key 'title'"),
    (b"title: \xff\n", "metadata.yml: not UTF-8 text (a Datasette metadata file is YAML)"),
    (b"title: [a\n", "metadata.yml:2:"),
    (b"title: a\x07\n", "metadata.yml: unacceptable character #x0007"),  # a reader error has no mark
])
def test_a_bad_metadata_file_is_named_with_its_line(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    Path("metadata.yml").write_bytes(content)
    with pytest.raises(EvidenceError) as e:
        metadata.read(Path("metadata.yml"))
    assert str(e.value).startswith(message)


def test_an_empty_metadata_file_is_an_empty_mapping(tmp_path):
    (tmp_path / "m.yml").write_text("")
    assert metadata.read(tmp_path / "m.yml") == {}


# --- filters → rows, against the YAML (read.py) ------------------------------------------------------

import itertools  # noqa: E402
import json  # noqa: E402
import sqlite3  # noqa: E402

from evidence import read  # noqa: E402
from tests.test_routes import curated  # noqa: E402


def matching(records: dict, filters: dict) -> set[str]:
    """Ids of the YAML records that match: each option one of its values, `once` without repeats."""
    columns = {"source": "source_id"}
    filters = {o: [v] if isinstance(v, str) and o != "once" else v for o, v in filters.items() if v not in ([], (), None)}
    filters["once"] = filters.get("once") in (True, "1", ["1"])
    return {i for i, r in records.items()
            if all((i if o == "id" else r.get(columns.get(o, o))) in v for o, v in filters.items() if o != "once")
            and not (filters.get("once") and r.get("same_result_as"))}


FINDING_FILTERS = [{}, {"condition": ["cancer"]}, {"condition": ["cancer", "chronic_pain"], "once": True},
                   {"certainty": ["moderate"]}, {"certainty": ["low", "very_low"], "condition": ["chronic_pain"]},
                   {"intervention_type": ["clinical_occupational_medicine"], "once": True},
                   {"outcome": ["return_to_work"], "certainty": ["moderate"]}, {"source": ["kumar-2017", "lambeek-2010a"]},
                   {"id": ["kumar-2017-f1", "lambeek-2010a-f1"], "once": True}, {"once": True}, {"id": ["kumar-2017"]},
                   {"once": True, "certainty": ["low"]}, {"certainty": ["low"]}, {"intervention_type": ["psychological"]},
                   {"once": "0", "condition": ["cancer"]}, {"condition": [], "certainty": "moderate"}]


@pytest.fixture(scope="module")
def conn(real_db):
    with sqlite3.connect(real_db) as c:
        yield c


@pytest.mark.parametrize("given", FINDING_FILTERS, ids=lambda f: json.dumps(f))
def test_filters_select_the_records_the_yaml_says(conn, given):
    filters = {o: [v] if isinstance(v, str) and o != "once" else v for o, v in given.items() if v not in ([], (), None)}
    findings = [r[0] for r in conn.execute(*read.select("findings", given, "id"))]
    assert findings == sorted(matching(curated()["findings"], filters))
    finding_only = any(o in filters for o in ("certainty", "intervention_type", "outcome"))
    sources = {s["id"]: s for s in curated()["sources"]}
    cited = {curated()["findings"][i]["source_id"] for i in matching(curated()["findings"], filters)}
    if not finding_only:
        evaluations = matching(curated()["economic_evaluations"], filters)
        cited |= {curated()["economic_evaluations"][i]["source_id"] for i in evaluations}
        assert [r[0] for r in conn.execute(*read.select("economic_evaluations", filters, "id"))] == sorted(evaluations)
    covered = {r[0]: set(json.loads(r[1] or "[]")) for r in conn.execute("select id, conditions from sources")}
    by_source = {i for i in sources if (not filters.get("condition") or covered[i] & set(filters["condition"]))
                 and (not {"source", "id"} & set(filters) or i in filters.get("source", []) + filters.get("id", []))}
    if not finding_only and "id" not in filters:
        cited |= by_source
    expected = None if not read.normalise(given) else sorted(cited)
    assert read.source_ids(conn, given) == expected
    listed = [r[0] for r in conn.execute(*read.select("sources", filters, "id"))]
    if finding_only:  # sources with a finding that matches (and covering the condition)
        assert listed == sorted(by_source & {curated()["findings"][i]["source_id"]
                                             for i in matching(curated()["findings"], filters)})
    else:
        assert listed == sorted(by_source)


@pytest.mark.parametrize("filters, message", [
    ({"certainty": ["moderat"]}, "--certainty 'moderat' is not a known certainty (did you mean 'moderate'?)"),
    ({"certainty": ["zzz"]}, "--certainty 'zzz' is not a known certainty (known: high, low, moderate, very_low)"),
    ({"intervention_type": ["zzz"]}, "--intervention-type 'zzz' is not a known intervention_type (24 known values, e.g. "
                                     + ", ".join(sorted(curated()["vocabulary"]["intervention_type"])[:5]) + ")"),
    ({"id": ["x"], "condition": ["zzz"]}, "--condition 'zzz' is not a known condition ("),
    ({"source": ["zzz-1999"]}, "--source 'zzz-1999' is not a known source id ("),
    ({"condition": ["cancer", "kanker"]}, "--condition 'kanker' is not a known condition ("),
])
def test_an_unknown_filter_value_is_named_with_a_hint(conn, filters, message):
    with pytest.raises(EvidenceError) as e:
        read.check_filter_values(conn, filters)
    assert str(e.value).startswith(message)


def test_known_filter_values_pass(conn):
    read.check_filter_values(conn, {"condition": ["cancer"], "certainty": ["low"], "source": ["kumar-2017"],
                                    "id": ["anything"], "once": True})


@pytest.mark.parametrize("given, normalised", [
    ({"once": True}, {"once": ("true",)}), ({"once": ["1"]}, {"once": ("true",)}), ({"once": "1"}, {"once": ("true",)}),
    ({"once": "0"}, {}), ({"once": "False"}, {}), ({"once": ["false"]}, {}), ({"once": False}, {}), ({"once": []}, {}),
    ({"once": "0", "condition": "cancer"}, {"condition": ("cancer",)}),
    ({"condition": [], "certainty": "low"}, {"certainty": ("low",)}),
    ({"condition": (), "outcome": None, "source": ["a", "b"]}, {"source": ("a", "b")}),
])
def test_filters_are_normalised(given, normalised):
    assert read.normalise(given) == normalised


def test_what_a_bad_filter_or_table_says():
    with pytest.raises(EvidenceError) as e:
        read.normalise({"colour": ["red"]})
    assert str(e.value) == f"unknown filter 'colour'; filters: {', '.join((*read.FILTERS, 'once'))}"
    with pytest.raises(EvidenceError) as e:
        read.select("nothing", {})
    assert str(e.value) == f"unknown table 'nothing'; tables: {', '.join(read.TABLES)}"
    with pytest.raises(EvidenceError) as e:
        read.select("conditions", {"intervention_type": ["x"]})
    assert str(e.value) == "--intervention-type does not apply to the conditions table"


def test_a_table_with_a_two_column_key_is_read_in_key_order(conn):
    rows = conn.execute(*read.select("question_findings", {})).fetchall()
    assert rows and rows == sorted(rows, key=lambda r: (r[0], r[1]))


def test_records_takes_its_parameters(conn):
    assert read.records(conn, "select ? as x, ? as y", ("a", 2)) == [{"x": "a", "y": 2}]


def test_evidence_load_reads_evidence_db_and_filters(real_db, monkeypatch):
    import evidence

    monkeypatch.chdir(real_db.parent)
    assert sorted(evidence.load()["id"]) == sorted(curated()["findings"])
    cancer = evidence.load("economic_evaluations", db=str(real_db), condition="chronic_pain")
    assert sorted(cancer["id"]) == sorted(matching(curated()["economic_evaluations"], {"condition": ["chronic_pain"]}))
