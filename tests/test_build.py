"""Building evidence.db: tables, keys, indexes, full-text search, build info and atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidence import build as builder
from evidence.pipeline import write as writer
from evidence.metadata import read
from evidence.problems import ValidationFailed
from evidence.schema import TABLES
from tests.conftest import ROOT, leftovers, query


@pytest.fixture
def db(project) -> Path:
    path = project.root / "evidence.db"
    builder.build(Path("data"), path)
    return path


def test_every_schema_table_is_built(db):
    names = {row[0] for row in query(db, "select name from sqlite_master where type = 'table'")}
    assert {model.__tablename__ for model in TABLES} <= names


def test_rows_are_built_with_bibliographic_fields(db):
    assert query(db, "select id, label, title, year, doi, pmid, conditions from sources") == [
        ("smith-2020", "Smith 2020", "A trial of work support", 2020, "10.1000/xyz123", "12345678", '["cancer"]')
    ]
    assert query(db, "select id, source_id, source_design, quote_language from findings") == [
        ("smith-2020-f1", "smith-2020", "rct", "en")
    ]


def test_foreign_keys_are_declared(db):
    targets = {(row[2], row[3]) for row in query(db, "pragma foreign_key_list(findings)")}
    assert targets == {("sources", "source_id"), ("conditions", "condition"),
                       ("intervention_types", "intervention_type"), ("outcomes", "outcome"),
                       ("documents", "source_document"), ("documents", "effect_source_document"),
                       ("documents", "comparator_risk_source_document")}
    assert query(db, "pragma foreign_key_check") == []


def test_every_facet_column_is_indexed(db):
    built = {model.__tablename__ for model in TABLES}  # views (findings_labelled) have no indexes
    tables = {t: m for t, m in read(ROOT / "metadata.yml")["databases"]["evidence"]["tables"].items() if t in built}
    indexed = set()
    for table in tables:
        for index in query(db, f"pragma index_list({table})"):
            # the leading column of an index (a composite primary key's too) serves a facet on it
            first = query(db, f"pragma index_info('{index[1]}')")[0]
            indexed.add((table, first[2]))
    # array facets (JSON lists) are faceted with json_each, which a column index cannot serve
    facets = {(t, f) for t, meta in tables.items() for f in meta.get("facets", []) if isinstance(f, str)}
    assert len(facets) >= 8 and facets <= indexed


def test_full_text_search_uses_porter_stemming(db):
    # "supporting" finds "support" only with stemming
    hits = query(db, "select rowid from findings_fts where findings_fts match 'supporting'")
    assert hits == query(db, "select rowid from findings")


def test_build_info_records_hash_version_and_counts(db):
    [(content_hash, version, counts)] = query(db, "select content_hash, package_version, row_counts from build_info")
    assert len(content_hash) == 64 and version
    assert json.loads(counts)["findings"] == 1 and json.loads(counts)["conditions"] > 10
    assert builder.stored_hash(db) == content_hash


def test_same_inputs_give_the_same_hash_and_rows(project, db):
    again = project.root / "again.db"
    builder.build(Path("data"), again)
    assert builder.stored_hash(again) == builder.stored_hash(db)
    assert query(again, "select * from findings") == query(db, "select * from findings")


def test_failed_validation_leaves_the_database_byte_identical(project, db):
    before = db.read_bytes()
    project.edit("outcome: return_to_work", "outcome: nonsense")
    with pytest.raises(ValidationFailed):
        builder.build(Path("data"), db)
    assert db.read_bytes() == before and leftovers(project.root) == []


def test_failure_while_writing_leaves_the_database_byte_identical(project, db, monkeypatch):
    before = db.read_bytes()

    def broken_insert(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writer, "insert_rows", broken_insert)
    with pytest.raises(RuntimeError):
        builder.build(Path("data"), db, force=True)
    assert db.read_bytes() == before and leftovers(project.root) == []


def test_real_data_builds(real_db):
    assert query(real_db, "select count(*) from findings")[0][0] > 0


def test_unchanged_inputs_do_nothing(project, db):
    before = db.read_bytes()
    result = builder.build(Path("data"), db)
    assert result.changes is None and db.read_bytes() == before
    assert builder.build(Path("data"), db, force=True).changes == []


def test_the_build_records_what_changed_since_the_previous_one(project, db):
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: test")
    changelog = project.root / "changes.md"
    result = builder.build(Path("data"), db, changelog=changelog)
    assert [(c.record_id, c.field, c.old, c.new) for c in result.changes if c.change == "changed"] == [
        ("smith-2020-f1", "certainty", "low", "moderate"), ("smith-2020-f1", "wording_justification", None, "test")]
    assert query(db, "select record_id, change, field, old, new from changes") == [
        ("smith-2020-f1", "changed", "certainty", "low", "moderate"),
        ("smith-2020-f1", "changed", "wording_justification", None, "test")]
    assert "`smith-2020-f1` **certainty**: “low” → “moderate”" in changelog.read_text()


def test_a_first_build_records_every_record_as_added(project):
    db = project.root / "first.db"
    result = builder.build(Path("data"), db)
    assert {(c.table, c.record_id, c.change) for c in result.changes} == {
        ("sources", "smith-2020", "added"), ("findings", "smith-2020-f1", "added")}


def test_the_code_fingerprint_covers_sql_scales_and_subpackages(tmp_path, monkeypatch):
    import shutil

    package = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(builder, "PACKAGE", package)
    before = builder.code_fingerprint()
    for changed in ("sql/views.sql", "scales.yaml", "exports/sof.py", "site/gap_map.py"):
        path = package / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n-- changed\n")
        assert builder.code_fingerprint() != before, changed
        path.write_bytes(original)
    assert builder.code_fingerprint() == before


def test_an_unchanged_build_is_one_hash_pass_without_parsing(project, monkeypatch):
    from evidence.pipeline import parse as inputs

    db = project.root / "evidence.db"
    first = builder.build(Path("data"), db)
    assert builder.quick_hash(Path("data"), None) == first.content_hash  # the same hash, from the raw bytes

    def no_parsing(*args, **kwargs):
        raise AssertionError("an unchanged build parsed its inputs")

    monkeypatch.setattr(inputs, "parse_yaml", no_parsing)
    assert builder.build(Path("data"), db).changes is None
    project.edit("population: adults with cancer", "population: adults with any cancer")
    monkeypatch.undo()
    assert builder.build(Path("data"), db).changes  # a changed input is parsed, validated and rebuilt
