"""Faults planted in the build and its stages (evidence/build.py, evidence/pipeline/read.py, parse.py, rows.py)
that their other tests let through (bench/mutation.py, group build): what a build logs and does for each kind
of run (first, unchanged, forced, strict, incremental), the targets it refuses, and the problems of inputs
that cannot be read."""

from __future__ import annotations

import gc
import os
import re
import sqlite3
from pathlib import Path

import pytest

from evidence import build as builder
from evidence.pipeline import read as reading
from evidence.pipeline.parse import blanked, read_inputs
from evidence.problems import EvidenceError, ValidationFailed
from tests.conftest import query


def timeless(log: list[str]) -> list[str]:
    return [re.sub(r"\d+\.\d s", "T s", line) for line in log]


def build(**options):
    log: list[str] = []
    result = builder.build(Path("data"), Path("evidence.db"), log=log.append, **options)
    return result, timeless(log)


FULL = ["Read 1 YAML file(s) in T s",
        "Parsed and validated 1 sources, 1 findings, 0 economic_evaluations in T s: 0 error(s), 0 warning(s)",
        "Provenance not checked: EVIDENCE_DOCUMENTS=off"]


def test_each_kind_of_build_logs_what_it_did(project):
    first, log = build()
    assert log == [*FULL, "Wrote evidence.db in T s"] and [c.change for c in first.changes] == ["added"] * 2
    unchanged, log = build()
    assert unchanged.changes is None and unchanged.content_hash == first.content_hash
    assert log == [f"evidence.db is up to date (content hash {first.content_hash[:12]}): nothing to do"]
    forced, log = build(force=True)
    assert forced.changes == [] and log == [*FULL, "Wrote evidence.db in T s"]
    strict, log = build(strict=True)  # reads everything, then finds the database up to date
    assert strict.changes is None and log == [*FULL, f"evidence.db is up to date (content hash "
                                                      f"{first.content_hash[:12]}): nothing to do"]
    project.edit("certainty: low", "certainty: moderate")
    project.edit("may increase", "probably increases")
    changed, log = build(changelog=Path("changes.md"))
    assert log == ["Re-read 1 source(s), 1 replaced or removed, in T s: 0 error(s), 0 warning(s)",
                   "Wrote evidence.db incrementally in T s", "Wrote the changelog (2 changes) to changes.md"]
    assert [(c.field, c.new) for c in changed.changes] == [("certainty", "moderate"),
                                                           ("statement", "Work support probably increases return to work.")]
    assert builder.stored_hash(Path("evidence.db")) == changed.content_hash != first.content_hash
    assert query(project.root / "evidence.db", "select certainty from findings") == [("moderate",)]


def test_the_cyclic_garbage_collector_is_left_as_it_was(project):
    assert gc.isenabled()
    build()
    assert gc.isenabled()
    gc.disable()
    try:
        build(force=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_quick_hash_is_the_hash_a_build_records_and_none_when_an_input_is_missing(project):
    result, _ = build()
    assert builder.quick_hash(Path("data"), None) == result.content_hash == builder.check(Path("data"))[2]
    (project.data / "references.bib").rename(project.root / "refs.bib")
    assert builder.quick_hash(Path("data"), None) is None
    assert builder.quick_hash(Path("data"), project.root / "refs.bib") == result.content_hash


def test_a_database_without_a_hash_has_none(project):
    assert builder.stored_hash(Path("nope.db")) is None and builder.stored_hash(Path("data/references.bib")) is None
    with sqlite3.connect(project.root / "other.db") as conn:
        conn.execute("create table build_info (id)")
    assert builder.stored_hash(project.root / "other.db") is None


def test_the_changelog_cannot_be_the_database(project):
    build()
    before = (project.root / "evidence.db").read_bytes()
    with pytest.raises(EvidenceError, match="^evidence.db: the changelog cannot be the database$"):
        build(changelog=Path("./evidence.db"))
    assert (project.root / "evidence.db").read_bytes() == before


def test_a_bibliography_that_is_missing_or_a_dangling_symlink_is_a_problem(project):
    (project.data / "references.bib").unlink()
    raw = reading.read(Path("data"))
    assert [str(p) for p in raw.problems] == [
        "data/references.bib:1: bibliography not found (give --bib, or put references.bib beside the data)"]
    assert not raw.complete and raw.bib is None
    os.symlink("nowhere.bib", project.data / "references.bib")
    assert [str(p) for p in reading.read(Path("data")).problems] == [
        "data/references.bib:1: a dangling symlink or a symlink loop (to nowhere.bib): the bibliography cannot be read"]
    with pytest.raises(ValidationFailed):
        build()


def test_an_input_that_cannot_be_read_is_a_problem_not_a_crash(project, monkeypatch):
    real = Path.read_bytes

    def failing(path):
        if path.name == "studies.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", failing)
    raw = reading.read(Path("data"))
    assert [str(p) for p in raw.problems] == ["data/studies.yaml:1: cannot read (Permission denied)"]
    assert not raw.complete and ("data", "studies.yaml") not in raw.files


def test_no_vocabulary_is_a_problem_with_its_folder(project):
    import shutil

    shutil.rmtree(project.data / "vocabulary")
    problems = [str(p) for p in read_inputs(Path("data")).problems]
    assert ("data/vocabulary:1: no curated vocabularies found (data/vocabulary/<kind>.yaml for condition, "
            "document, intervention_type, outcome)") in problems


def test_the_blocks_of_a_data_file_and_of_a_bibliography():
    data = b"# head\n- id: a\n  x: 1\n- id: b\n"
    assert reading.item_spans(data) == [(7, 22), (22, 30)]
    assert reading.item_spans(b"- a\n") == [(0, 4)] and reading.item_spans(b"-\n- b") == [(0, 2), (2, 5)]
    for not_a_list in (b"---\n- a\n", b"x: 1\n- a\n", b"- a\n---\n- b\n", b"- a\n...\n", b"%YAML 1.1\n- a\n", b"",
                       b"-a\n"):
        assert reading.item_spans(not_a_list) is None, not_a_list
    bib = b"@article{a,\n}\n@string{s = {x}}\n @Book ( b ,\n)\n"
    spans = reading.entry_spans(bib)
    assert spans == [(0, 14), (14, 32), (32, 46)]
    assert reading.entry_spans(b"% c\n@misc{k,}\n") == [(4, 14)] and reading.entry_spans(b"  @misc{k,}\n") == [(2, 12)]
    assert [reading.entry_key(bib[a:b]) for a, b in spans] == [("article", "a"), ("string", "s"), ("book", "b")]
    assert reading.entry_key(b"% a comment\n") == (None, None)
    assert reading.entry_spans(b"no entries here") == []


def test_blanked_keeps_the_lines_of_what_it_keeps():
    raw = b"a\nb\nc\nd\n"
    assert blanked(raw, [(4, 6)]) == b"\n\nc\n\n"
    assert blanked(raw, [(6, 8), (0, 2)]) == b"a\n\n\nd\n"


def test_a_build_says_which_temporaries_of_killed_builds_it_removed(project):
    import time

    build()
    old = time.time() - 3600
    for name in (".evidence.db.abc_1234.tmp", ".changes.md.zz9.tmp"):
        (project.root / name).write_text("left over", encoding="utf-8")
        os.utime(project.root / name, (old, old))
    _, log = build(force=True, changelog=Path("changes.md"))
    assert log[:2] == ["Removed .evidence.db.abc_1234.tmp, left by an interrupted build",
                       "Removed .changes.md.zz9.tmp, left by an interrupted build"]
    assert log[-1] == "Wrote the changelog (0 changes) to changes.md"


# --- the schema's field factories and index pruning: run when evidence.schema is imported, before mutmut
# picks a mutant, so only a test that calls them again sees a fault there --------------------------------


def test_a_vocabulary_field_names_its_vocabulary_and_is_indexed():
    from pydantic_core import PydanticUndefined

    from evidence import schema

    field = schema.vocab("condition", "Health condition.", foreign_key="conditions.id")
    assert field.is_required() and field.default is PydanticUndefined and field.description == "Health condition."
    assert field.json_schema_extra == {"vocabulary": "condition"} and field.index is True
    assert field.foreign_key == "conditions.id"
    optional = schema.vocab("certainty", "GRADE certainty.", required=False, default="low")
    assert not optional.is_required() and optional.default == "low" and optional.index is True
    assert schema.vocab("x", "d", required=False).default is None
    assert schema.vocabulary_of(schema.FindingIn, "condition") == "condition"
    assert schema.vocabulary_of(schema.FindingIn, "population") is None


def bounds(field) -> tuple:
    import annotated_types

    ge = [m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)]
    le = [m.le for m in field.metadata if isinstance(m, annotated_types.Le)]
    return ge, le


def test_a_grade_domain_rates_down_by_up_to_two_and_carries_its_hl7_code():
    # ../shared/grade-rules.md lines 31-34: each domain rates down -1 (serious) or -2 (very serious), a large
    # effect rates up +1 or +2, a dose-response gradient +1;
    # the codes are HL7's certainty-type codes, as fhir.py writes them
    from evidence import schema

    down = schema._domain("risk of bias", "RiskOfBias")
    assert down.default is None and bounds(down) == ([-2], [0])
    assert down.description == "GRADE risk of bias: 0 no concern, -1 serious, -2 very serious; empty when not reported."
    assert down.json_schema_extra == {"fhir_certainty_type": "RiskOfBias"}
    up = schema._upgrade("a large effect", 2, "LargeEffect")
    assert up.default is None and bounds(up) == ([0], [2])
    assert up.description == "GRADE rating up for a large effect: 0 to +2; empty when not reported."
    assert up.json_schema_extra == {"fhir_certainty_type": "LargeEffect"}
    assert bounds(schema._upgrade("dose", 1, "DoseResponseGradient")) == ([0], [1])
    note = schema._domain_note("imprecision")
    assert note.default is None and note.description == "Footnote explaining the imprecision judgement."


def test_an_index_that_leads_a_longer_one_is_dropped():
    import sqlalchemy as sa

    from evidence import schema

    table = sa.Table("t", sa.MetaData(), sa.Column("a", sa.Integer), sa.Column("b", sa.Integer),
                     sa.Column("c", sa.Integer))
    for name, columns in (("i_a", ("a",)), ("i_ab", ("a", "b")), ("i_b", ("b",)), ("i_ba", ("b", "a")),
                          ("i_c", ("c",)), ("i_ac", ("a", "c"))):
        sa.Index(name, *(table.c[c] for c in columns))
    schema.drop_leading_indexes(table)
    assert sorted(index.name for index in table.indexes) == ["i_ab", "i_ac", "i_ba", "i_c"]


def test_no_index_of_a_built_database_leads_a_longer_one_of_its_table(real_db):
    with sqlite3.connect(real_db) as conn:
        indexes: dict[str, list[list[str]]] = {}
        for table, index in conn.execute("select tbl_name, name from sqlite_master where type = 'index' "
                                         "and sql is not null"):
            columns = [row[2] for row in conn.execute(f"pragma index_info('{index}')")]
            indexes.setdefault(table, []).append(columns)
    assert indexes
    for table, columns in indexes.items():
        for one in columns:
            assert not any(len(other) > len(one) and other[: len(one)] == one for other in columns), (table, one)
