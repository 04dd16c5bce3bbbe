"""metadata.yml agrees with the schema and with the tables actually built (as PUDL checks it)."""

from __future__ import annotations

from evidence.metadata import described_tables, read, synced
from tests.conftest import ROOT, query

METADATA = read(ROOT / "metadata.yml")
TABLES = METADATA["databases"]["evidence"]["tables"]


def test_descriptions_match_the_schema():
    for name, described in described_tables().items():
        assert TABLES[name]["description"] == described["description"], name
        assert TABLES[name]["columns"] == described["columns"], f"{name}: run `evidence metadata`"


def test_every_column_has_a_description():
    for name, described in described_tables().items():
        assert all(described["columns"].values()), name


def test_sync_keeps_hand_written_keys():
    again = synced(read(ROOT / "metadata.yml"))
    assert again["databases"]["evidence"]["tables"]["findings"]["facets"] == TABLES["findings"]["facets"]
    assert again["title"] == METADATA["title"]


def test_metadata_names_only_real_tables_and_columns(real_db):
    for table, meta in TABLES.items():
        columns = {row[1] for row in query(real_db, f"pragma table_info({table})")}
        assert columns, f"metadata.yml names a table that is not built: {table}"
        named = set(meta.get("columns", {}))
        named |= {f if isinstance(f, str) else f["array"] for f in meta.get("facets", [])}
        named |= {meta[k] for k in ("sort", "sort_desc", "label_column") if k in meta}
        assert named <= columns, f"{table}: {named - columns}"
        if "fts_table" in meta:
            assert query(real_db, "select name from sqlite_master where name = ?", (meta["fts_table"],))


def test_database_metadata_says_what_it_is():
    for key in ("title", "description_html", "license", "source"):
        assert METADATA[key]
    assert {"sql_time_limit_ms", "facet_time_limit_ms"} <= set(METADATA["settings"])


def test_findings_facets_are_the_schemas_indexed_facets():
    from evidence.schema import FINDING_FACETS

    assert tuple(TABLES["findings"]["facets"]) == FINDING_FACETS


def test_a_duplicated_key_in_metadata_is_an_error_with_its_line(tmp_path):
    import pytest

    from evidence.problems import EvidenceError

    path = tmp_path / "metadata.yml"
    path.write_text("title: A\nlicense: CC BY 4.0\ntitle: B\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"metadata.yml:3: found duplicate key 'title'"):
        read(path)
