"""Incremental builds give the database a full build gives: the same rows in every table, the same
full-text matches, the same content hash and the same changes; and they give way to the full build
whenever they cannot tell (the reason is logged).

Each case edits a copy of the curated data after a full build, builds that database again (the
incremental path) and a copy of it with --force (the full build, the reference), and compares them.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from evidence import build as builder
from evidence.problems import ValidationFailed

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("work", "cancer", "kanker", "return", "lambeek", "2010c", "incremental", "zzyzx")


def content(db: Path) -> dict:
    """Every table's ``select rowid, *`` in rowid order and every view's rows in the order it gives them
    (build_info without the build time; not the planner's statistics, which an incremental build keeps
    from the previous one; not the full-text indexes' own storage, whose segments depend on the order of
    the writes: each index is read through its table, passes FTS5's integrity-check, and finds the same
    records for a few words). Rowids show in the search views and decide the bounded searches' cut-off."""
    conn = sqlite3.connect(db)
    objects = conn.execute("select name, type, sql from sqlite_master where type in ('table', 'view') order by name").fetchall()
    indexes = [name for name, _, text in objects if text and "using fts5" in text.lower()]
    shadow = tuple(f"{name}_" for name in indexes)
    result = {}
    for name, kind, _ in objects:
        if name == "sqlite_stat1" or name.startswith(shadow):
            continue
        query = f"select rowid, * from {name} order by rowid" if kind == "table" else f"select * from {name}"
        cursor = conn.execute(query)
        names = [d[0] for d in cursor.description]
        result[name] = [repr(tuple(v for n, v in zip(names, row) if n != "built_at")) for row in cursor]
    for index in indexes:
        conn.execute(f"insert into {index} ({index}) values ('integrity-check')")  # raises when corrupt
        result[f"{index} integrity-check"] = "ok"
        # what the index holds, term by term (not how its segments are laid out): a stale entry shows here
        conn.execute(f"create virtual table temp.{index}_instances using fts5vocab(main, {index}, 'instance')")
        result[f"{index} instances"] = conn.execute(f"select term, doc, col, offset from temp.{index}_instances "
                                                    "order by term, doc, col, offset").fetchall()
    for table in ("sources", "findings", "economic_evaluations"):
        for word in WORDS:
            result[f"{table}_fts {word}"] = sorted(r[0] for r in conn.execute(
                f"select t.id from {table}_fts f join {table} t on t.rowid = f.rowid where {table}_fts match ?", [word]))
    conn.close()
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A full build of the curated data."""
    folder = tmp_path_factory.mktemp("incremental")
    shutil.copytree(ROOT / "data", folder / "data")
    with pytest.MonkeyPatch.context() as patch:  # not about provenance (real_db checks the real quotes)
        patch.setenv("EVIDENCE_DOCUMENTS", "off")
        builder.build(folder / "data", folder / "base.db")
    return folder


@pytest.fixture
def work(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built / "data", tmp_path / "data")
    shutil.copy(built / "base.db", tmp_path / "evidence.db")
    return tmp_path


def both(work: Path) -> tuple[list[str], builder.BuildResult, builder.BuildResult]:
    """Build incrementally and, from a copy of the same previous database, in full."""
    shutil.copy(work / "evidence.db", work / "full.db")
    log: list[str] = []
    fast = builder.build(work / "data", work / "evidence.db", log=log.append)
    full = builder.build(work / "data", work / "full.db", force=True)
    return log, fast, full


def built_as_a_user_builds(work: Path) -> tuple[list[str], set[str]]:
    """`evidence build` in a process of its own (which has loaded no schema, as a user's has not), then a
    full build from a copy of the same previous database: the log and the modules the first loaded."""
    shutil.copy(work / "evidence.db", work / "full.db")
    code = ("import sys\nfrom evidence.cli import cli\ntry:\n    cli(['build'], prog_name='evidence')\n"
            "except SystemExit as e:\n    assert not e.code, e.code\nprint(' '.join(sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True, check=True)
    builder.build(work / "data", work / "full.db", force=True)
    return done.stderr.splitlines(), set(done.stdout.split())


def assert_same(work: Path, fast: builder.BuildResult, full: builder.BuildResult) -> None:
    assert fast.content_hash == full.content_hash
    assert fast.changes == full.changes
    a, b = content(work / "evidence.db"), content(work / "full.db")
    assert a.keys() == b.keys()
    different = [k for k in a if a[k] != b[k]]
    assert not different, {k: (sorted(set(a[k]) - set(b[k]))[:2], sorted(set(b[k]) - set(a[k]))[:2]) for k in different}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


NEW_SOURCE = """
- id: incremental-2026
  citation_key: incremental2026
  design: rct
  status: included
  findings:
    - id: f1
      condition: cancer
      population: workers with cancer
      intervention_type: integrated_care
      intervention: an incremental programme
      outcome: return_to_work
      direction: benefit
      statement: The incremental programme improved return to work in this study.
      source_document: published-facts.md
      source_locator: Conclusies
      quote: Incremental.
"""
NEW_ENTRY = """
@article{incremental2026,
  author  = {Zzyzx, A. and Other, B.},
  title   = {An incremental trial},
  journal = {Journal of Builds},
  year    = {2026},
}
"""


def append(work: Path, source: str, entry: str) -> None:
    """A review added at the end of studies.yaml, its entry at the end of references.bib."""
    for name, text in (("studies.yaml", source), ("references.bib", entry)):
        with (work / "data" / name).open("a", encoding="utf-8") as f:
            f.write(text)


def incremental(log: list[str]) -> bool:
    return any("incrementally" in line for line in log)


def test_editing_a_finding(work):
    edit(work / "data/studies.yaml", "Cited in the guideline module's Conclusies", "Cited (edited) in the guideline module's Conclusies")
    log, fast, full = both(work)
    assert incremental(log), log
    assert [c.change for c in fast.changes] == ["changed"]
    assert_same(work, fast, full)


@pytest.mark.parametrize("model", [False, True])
def test_a_build_run_as_a_user_runs_it_without_the_schema_and_with_it(work, model):
    """A fresh process validates a changed record with the fast path (evidence/fast_records.py, from
    columns.py) and writes its rows (evidence/storage.py) without loading the schema; a record the fast
    path leaves to the model (a count written as text, which pydantic converts) loads it. Either way the
    database is the full build's."""
    edit(work / "data/studies.yaml", "Cited in the guideline module's Conclusies", "Cited (edited) in the guideline module's Conclusies")
    if model:
        edit(work / "data/studies.yaml", "      follow_up_months_min: 12\n", "      follow_up_months_min: '12'\n")
    log, modules = built_as_a_user_builds(work)
    assert incremental(log), log
    assert ("evidence.schema" in modules) == model and ("sqlalchemy" in modules) == model
    a, b = content(work / "evidence.db"), content(work / "full.db")
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []


def test_adding_a_review_at_the_end_of_a_file(work):
    append(work, NEW_SOURCE, NEW_ENTRY)
    log, fast, full = both(work)
    assert incremental(log), log
    assert {(c.table, c.record_id, c.change) for c in fast.changes} == {
        ("sources", "incremental-2026", "added"), ("findings", "incremental-2026-f1", "added")}
    assert_same(work, fast, full)


def test_adding_a_review_in_a_new_file_and_entry_in_the_middle(work):
    (work / "data/more.yaml").write_text(NEW_SOURCE.lstrip(), encoding="utf-8")
    edit(work / "data/references.bib", "@article{lambeek2010b,", NEW_ENTRY.strip() + "\n\n@article{lambeek2010b,")
    log, fast, full = both(work)
    assert incremental(log), log
    assert_same(work, fast, full)


@pytest.mark.parametrize("source_id", ["lambeek-2010", "lambeek-2010c"])
def test_a_source_of_the_same_author_and_year_relabels_the_others(work, source_id):
    """Lambeek 2010a and 2010b become a, b, c: before them in id order, every letter moves."""
    block = NEW_SOURCE.replace("incremental-2026", source_id).replace("incremental2026", "lambeek2010x")
    append(work, block, NEW_ENTRY.replace("incremental2026", "lambeek2010x").replace("Zzyzx, A.", "Lambeek, L. C.")
                .replace("2026", "2010"))
    log, fast, full = both(work)
    assert incremental(log), log
    labels = dict(sqlite3.connect(work / "evidence.db").execute("select id, label from sources where label like 'Lambeek 2010%'"))
    assert sorted(labels.values()) == ["Lambeek 2010a", "Lambeek 2010b", "Lambeek 2010c"]
    assert_same(work, fast, full)


def test_removing_a_source_lets_a_label_lose_its_letter(work):
    text = (work / "data/studies.yaml").read_text(encoding="utf-8")
    start = text.index("- id: van-gils-2012a")
    end = text.index("\n- id:", start + 1) + 1
    text = (text[:start] + text[end:]).replace("      same_result_as: van-gils-2012a-f2\n", "")  # its repeat's link
    (work / "data/studies.yaml").write_text(text, encoding="utf-8")
    log, fast, full = both(work)
    if not incremental(log):  # something links to it: the full build says what
        pytest.skip(f"van-gils-2012a is linked to: {log}")
    labels = dict(sqlite3.connect(work / "evidence.db").execute("select id, label from sources where id like 'van-gils-2012%'"))
    assert labels == {"van-gils-2012b": "van Gils 2012"}
    assert_same(work, fast, full)


def test_a_changed_bibliography_entry_re_reads_the_source_that_cites_it(work):
    edit(work / "data/references.bib", "title   = {Effect of integrated care for sick listed patients",
         "title   = {The effect of integrated care for sick listed patients")
    log, fast, full = both(work)
    assert incremental(log), log
    assert [(c.record_id, c.field) for c in fast.changes] == [("lambeek-2010b", "title"), ("lambeek-2010b", "bibtex")]
    assert_same(work, fast, full)


def test_moving_a_source_re_reads_nothing(work):
    text = (work / "data/studies.yaml").read_text(encoding="utf-8")
    start = text.index("- id: kluit-2025")
    end = text.index("\n- id:", start + 1) + 1
    (work / "data/studies.yaml").write_text(text[:start] + text[end:] + text[start:end], encoding="utf-8")
    log, fast, full = both(work)
    assert incremental(log) and any("Re-read 0 source(s)" in line for line in log), log
    assert fast.changes == []
    assert_same(work, fast, full)


def test_a_vocabulary_change_builds_in_full(work):
    edit(work / "data/vocabulary/outcome.yaml", "name:", "name: ")  # same meaning, other bytes
    log, fast, full = both(work)
    assert not incremental(log) and any("a vocabulary file changed" in line for line in log), log
    assert_same(work, fast, full)


def test_removing_a_finding_the_guideline_rests_on_builds_in_full_and_fails_as_it_does(work):
    """The full build reports the broken link with its line; the database is left as it was."""
    text = (work / "data/studies.yaml").read_text(encoding="utf-8")
    start = text.index("- id: kumar-2017")
    end = text.find("\n- id:", start + 1) + 1 or len(text)
    (work / "data/studies.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    before = (work / "evidence.db").read_bytes()
    log: list[str] = []
    with pytest.raises(ValidationFailed) as fast:
        builder.build(work / "data", work / "evidence.db", log=log.append)
    with pytest.raises(ValidationFailed) as full:
        builder.build(work / "data", work / "evidence.db", force=True)
    assert any("Reading everything" in line for line in log), log
    assert [str(p) for p in fast.value.report.problems] == [str(p) for p in full.value.report.problems]
    assert (work / "evidence.db").read_bytes() == before


def test_an_error_in_a_new_review_is_reported_with_its_line_as_a_full_build_does(work):
    append(work, NEW_SOURCE.replace("direction: benefit", "direction: sideways"), NEW_ENTRY)
    with pytest.raises(ValidationFailed) as failed:
        builder.build(work / "data", work / "evidence.db")
    lines = len((work / "data/studies.yaml").read_text(encoding="utf-8").splitlines())
    problem = next(p for p in failed.value.report.errors if "sideways" in str(p))
    assert problem.file.endswith("studies.yaml") and lines - 12 <= problem.line <= lines


def test_a_duplicate_id_in_a_new_review_builds_in_full_and_names_both_lines(work):
    append(work, NEW_SOURCE.replace("incremental-2026", "kluit-2022"), NEW_ENTRY)
    with pytest.raises(ValidationFailed) as failed:
        builder.build(work / "data", work / "evidence.db")
    assert any("duplicate id; first defined at" in str(p) for p in failed.value.report.errors)


def test_a_database_without_input_blocks_builds_in_full(work):
    conn = sqlite3.connect(work / "evidence.db")
    conn.execute("delete from input_blocks")
    conn.commit()
    conn.close()
    edit(work / "data/studies.yaml", "Cited in the guideline module's Conclusies", "Cited (again) in the guideline module's Conclusies")
    log, fast, full = both(work)
    assert not incremental(log), log
    assert_same(work, fast, full)


def test_a_warning_in_a_new_review_keeps_its_line(work):
    """A re-read record's problems are reported with the lines they have in their files, as in a full build."""
    append(work, NEW_SOURCE, NEW_ENTRY.replace("  year    = {2026},\n", ""))  # listed without a year: a warning
    log, fast, full = both(work)
    assert incremental(log), log
    new = [str(p) for p in fast.report.problems]
    assert new and set(new) <= {str(p) for p in full.report.problems}
    assert any("incremental2026" in p and "no year" in p for p in new)
    assert_same(work, fast, full)


# --- the edit kinds where rowids used to differ (issue 22, item 5): each compares `select rowid, *` ----------


def block(text: str, source_id: str) -> tuple[int, int]:
    start = text.index(f"- id: {source_id}\n")
    end = text.find("\n- id:", start + 1) + 1 or len(text)
    return start, end


def test_moving_a_source_to_another_file(work):
    text = (work / "data/studies.yaml").read_text(encoding="utf-8")
    start, end = block(text, "kluit-2025")
    (work / "data/studies.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    (work / "data/moved.yaml").write_text(text[start:end], encoding="utf-8")
    log, fast, full = both(work)
    assert incremental(log), log
    assert_same(work, fast, full)


def test_swapping_two_sources(work):
    text = (work / "data/studies.yaml").read_text(encoding="utf-8")
    (a, b), (c, d) = block(text, "kluit-2022"), block(text, "kluit-2025")
    assert b == c
    (work / "data/studies.yaml").write_text(text[:a] + text[c:d] + text[a:b] + text[d:], encoding="utf-8")
    log, fast, full = both(work)
    assert incremental(log), log
    assert_same(work, fast, full)


def test_a_whitespace_only_edit(work):
    edit(work / "data/studies.yaml", "- id: kluit-2025\n", "- id: kluit-2025   \n")
    log, fast, full = both(work)
    assert incremental(log), log
    assert fast.changes == []
    assert_same(work, fast, full)


def test_a_renamed_source_id(work):
    edit(work / "data/studies.yaml", "- id: kluit-2025\n", "- id: kluit-2025x\n")
    log, fast, full = both(work)
    assert_same(work, fast, full)


def test_two_chained_edits(work):
    edit(work / "data/studies.yaml", "Cited in the guideline module's Conclusies", "Cited (edited) in the guideline module's Conclusies")
    log, fast, full = both(work)
    assert incremental(log) and fast.changes == full.changes, log
    append(work, NEW_SOURCE, NEW_ENTRY)
    text = (work / "data/studies.yaml").read_text(encoding="utf-8")
    start, end = block(text, "kluit-2022")
    (work / "data/studies.yaml").write_text(text[:start] + text[end:] + text[start:end], encoding="utf-8")
    log, fast, full = both(work)  # incremental on the incremental result; full from that same database
    assert incremental(log), log
    assert_same(work, fast, full)
    reference = work / "reference.db"  # and a full build from nothing: the same but what changed since when
    assert builder.build(work / "data", reference, force=True).content_hash == fast.content_hash
    since = ("changes", "change_counts")
    a, b = content(work / "evidence.db"), content(reference)
    assert {k: v for k, v in a.items() if k not in since} == {k: v for k, v in b.items() if k not in since}
