"""Faults planted in the incremental build (evidence/pipeline/plan.py, write.py, rows.py) that their other tests
let through (bench/mutation.py, groups incremental and build): each reason a build reads everything, as the
log says it, on a small project; and what an incremental build leaves in the database."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from evidence import build as builder
from evidence.problems import ValidationFailed
from tests.conftest import BIB, query


@pytest.fixture
def built(project):
    builder.build(Path("data"), Path("evidence.db"))
    return project


def build(**options) -> list[str]:
    """The build's log, without the lines of a full read (their times vary)."""
    log: list[str] = []
    try:
        builder.build(Path("data"), Path("evidence.db"), log=log.append, **options)
    except ValidationFailed as e:
        log.append(f"failed: {e}")
    return [re.sub(r",? in \d+\.\d s", "", line) for line in log
            if not line.startswith(("Read ", "Parsed ", "Provenance "))]


FULL = ["Wrote evidence.db"]


def set_db(sql: str) -> None:
    with sqlite3.connect("evidence.db") as conn:
        conn.execute(sql)


def touch_finding(project) -> None:
    project.edit("population: adults with cancer", "population: adults with a cancer")


@pytest.mark.parametrize("change, reason", [
    (lambda p: p.write("references.bib", BIB + "\n@string{j = {Journal}}\n"), "the bibliography defines @string macros"),
    (lambda p: p.write("references.bib", BIB + "\n@comment{x}\n"), "a bibliography block that is not an entry changed"),
    (lambda p: p.edit("- id: smith-2020", "---\n- id: smith-2020"), "studies.yaml is not a plain list of sources"),
    (lambda p: p.write("guideline.yaml", "[]\n"), "a guideline file changed"),
    (lambda p: (touch_finding(p), set_db("update build_info set release = '1.0'")), "the database is a release"),
    (lambda p: (touch_finding(p), set_db("update input_blocks set hash = 'x' where kind = 'code'")),
     "the code changed, or the database records no input blocks"),
    (lambda p: (touch_finding(p), set_db("delete from input_blocks")),
     "the code changed, or the database records no input blocks"),
    (lambda p: (touch_finding(p), set_db("drop table input_blocks")),
     "the previous database could not be read (no such table: input_blocks)"),
])
def test_a_build_that_cannot_tell_what_changed_reads_everything_and_says_why(built, change, reason):
    change(built)
    assert build() == [f"Reading everything: {reason}", *FULL]


def test_a_key_given_twice_in_the_bibliography_reads_everything(built):
    built.write("references.bib", "@misc{SMITH2020, title = {x}, year = {2020}}\n\n" + BIB)
    assert build()[0] == "Reading everything: the bibliography key SMITH2020 is given twice"


def test_another_bibliography_file_reads_everything(built):
    (built.root / "refs.bib").write_text(BIB + "\n@misc{spare, title = {x}, year = {2020}}\n", encoding="utf-8")
    assert build(bib=Path("refs.bib")) == ["Reading everything: the bibliography is another file", *FULL]


def test_an_error_in_what_changed_makes_the_full_build_report_it(built):
    before = (built.root / "evidence.db").read_bytes()
    built.edit("certainty: low", "certainty: lowish")
    assert build() == ["Reading everything: 1 error(s) in what changed", "failed: 1 error(s), 0 warning(s)"]
    assert (built.root / "evidence.db").read_bytes() == before


def test_a_doi_given_twice_makes_the_full_build_report_it(built):
    built.write("references.bib", "@misc{other, title = {x}, year = {2020}, doi = {10.1000/XYZ123}}\n\n" + BIB)
    assert build() == ["Reading everything: the DOI 10.1000/xyz123 is given twice", "failed: 1 error(s), 1 warning(s)"]


def test_an_input_with_a_problem_reads_everything(built):
    (built.data / "references.bib").unlink()
    assert build() == ["Reading everything: an input has a problem", "failed: 2 error(s), 0 warning(s)"]


def test_an_edited_finding_is_applied_incrementally_as_a_full_build_writes_it(built):
    touch_finding(built)
    assert build() == ["Re-read 1 source(s), 1 replaced or removed: 0 error(s), 0 warning(s)",
                       "Wrote evidence.db incrementally"]
    incremental = query(built.root / "evidence.db", "select id, population from findings")
    shutil.copy(built.root / "evidence.db", built.root / "full.db")
    builder.build(Path("data"), Path("full.db"), force=True)
    assert incremental == query(built.root / "full.db", "select id, population from findings") == [
        ("smith-2020-f1", "adults with a cancer")]
    assert query(built.root / "evidence.db", "select content_hash, row_counts from build_info") == \
        query(built.root / "full.db", "select content_hash, row_counts from build_info")


@pytest.mark.parametrize("change, reason", [
    (lambda p: p.write("studies.yaml", (p.data / "studies.yaml").read_bytes().replace(b"adults with", b"adults \xff with")),
     "studies.yaml is not UTF-8"),
    (lambda p: p.edit("population: adults with cancer", "population: [adults with cancer"), "studies.yaml does not parse"),
    (lambda p: p.write("references.bib", "@misc{new, title = {caf\xe9}, year = {2020}}\n\n".encode("latin-1") +
                       BIB.encode()), "the bibliography is not UTF-8"),
])
def test_what_changed_does_not_read_and_the_full_build_reports_it(built, change, reason):
    before = (built.root / "evidence.db").read_bytes()
    change(built)
    log = build()
    assert log[0] == f"Reading everything: {reason}" and log[1].startswith("failed: ")
    assert (built.root / "evidence.db").read_bytes() == before


SECOND = """\
- id: jones-2021
  citation_key: jones2021
  design: rct
  status: excluded
  conditions: [cancer]
"""
SECOND_BIB = "@article{jones2021,\n  author = {Jones, Ann},\n  title = {A second trial},\n  year = {2021},\n}\n\n"


def test_a_data_file_removed_removes_its_sources_incrementally(built):
    built.write("more.yaml", SECOND)
    built.write("references.bib", SECOND_BIB + BIB)
    assert build()[-1] == "Wrote evidence.db incrementally"
    assert query(built.root / "evidence.db", "select id from sources order by id") == [("jones-2021",), ("smith-2020",)]
    (built.data / "more.yaml").unlink()
    built.write("references.bib", BIB)
    log = build()
    assert log == ["Re-read 0 source(s), 1 replaced or removed: 0 error(s), 0 warning(s)",
                   "Wrote evidence.db incrementally"]
    assert query(built.root / "evidence.db", "select id from sources") == [("smith-2020",)]
    assert query(built.root / "evidence.db", "select record_id, change from changes") == [("jones-2021", "removed")]


def test_a_full_build_keeps_the_release_history_of_the_database_it_replaces(built):
    rows = [(1, "1.0.0", "2026-01-01", "sources", "smith-2020", "added", None, None, None),
            (2, "1.1.0", "2026-02-01", "findings", "smith-2020-f1", "changed", "certainty", "very_low", "low")]
    with sqlite3.connect("evidence.db") as conn:
        conn.executemany("insert into history values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    assert build(force=True) == FULL
    assert query(built.root / "evidence.db", "select * from history order by id") == rows
    touch_finding(built)
    assert build()[-1] == "Wrote evidence.db incrementally"
    assert query(built.root / "evidence.db", "select * from history order by id") == rows


def test_a_history_that_cannot_be_carried_stops_the_build(built):
    with sqlite3.connect("evidence.db") as conn:
        conn.execute("drop table history")
        conn.execute("create table history (id integer primary key, other text)")
        conn.execute("insert into history values (1, 'x')")
    before = (built.root / "evidence.db").read_bytes()
    with pytest.raises(Exception, match="could not carry its release history into the new build"):
        builder.build(Path("data"), Path("evidence.db"), force=True)
    assert (built.root / "evidence.db").read_bytes() == before


def found(db: Path, table: str, query_text: str) -> list:
    return [row[0] for row in query(db, f"select id from {table} where rowid in (select rowid from {table}_fts "
                                        f"where {table}_fts match ?) order by id", (query_text,))]


def test_the_search_indexes_find_words_names_and_hyphenated_words_after_either_build(built):
    built.edit("population: adults with cancer", "population: patiënten in re-integratie, \"quoted\" and it's")
    for expected in ([FULL[0]], ["Wrote evidence.db incrementally"]):
        if expected != [FULL[0]]:
            built.edit("comparator: usual care", "comparator: usual-care")
        log = build(force=expected == [FULL[0]])
        assert log[-1] == expected[0]
        db = built.root / "evidence.db"
        for words in ("reintegratie", '"re-integratie"', "patienten", "patiënten", "integr*", "quoted", "cancer",
                      "Smith", "vocational", "return"):
            assert found(db, "findings", words) == ["smith-2020-f1"], words
        assert found(db, "findings", "nowhere") == []
        assert found(db, "sources", "Smith") == ["smith-2020"] and found(db, "sources", "trial") == ["smith-2020"]
        assert found(db, "sources", "randomised") == ["smith-2020"] == found(db, "sources", "gerandomiseerde")
    assert found(built.root / "evidence.db", "findings", "usualcare") == ["smith-2020-f1"]
