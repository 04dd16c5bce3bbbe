"""The serving counts an incremental build keeps by difference (evidence/pipeline/counts.py) equal a full
recompute (evidence/sql/serving_counts.sql run again on the same database), row for row in the stored
order, whatever the edits: a finding's condition, intervention type, outcome or certainty changed, an
economic evaluation's condition, perspective or conclusion, a source's status or design, a source removed,
a review added. Each example edits a copy of the curated data after a full build and builds it
incrementally (one build, or two chained)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence import build as builder
from evidence.problems import ValidationFailed
from evidence.site.serving_counts import TABLES, refresh
from tests.profiles import examples
from tests.test_incremental import NEW_ENTRY, NEW_SOURCE

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / "data" / "studies.yaml").read_text(encoding="utf-8")

VALUES = {  # values the curated data uses, so that most edits validate
    "      condition: ": ("cancer", "depression", "rheumatoid_arthritis", "inflammatory_arthritis", "generic",
                          "chronic_pain", "traumatic_brain_injury"),
    "      intervention_type: ": ("integrated_care", "physical", "e_health", "multidisciplinary",
                                  "clinical_occupational_medicine"),
    "      outcome: ": ("return_to_work", "work_participation", "sickness_absence", "health"),
    "      certainty: ": ("high", "moderate", "low", "very_low"),
    "      perspective: ": ("societal", "employer", "healthcare"),
    "      conclusion: ": ("cost_saving", "cost_effective", "not_demonstrated"),
    "  status: ": ("included", "related", "ongoing", "superseded", "awaiting_classification"),
    "  design: ": ("rct", "systematic_review", "cochrane_review", "unknown"),
}
LINES = {prefix: [m.start() for m in re.finditer("^" + re.escape(prefix), DATA, re.M)] for prefix in VALUES}
SOURCES = [m.start() for m in re.finditer(r"^- id: ", DATA, re.M)]

set_field = st.sampled_from(sorted(VALUES)).flatmap(lambda prefix: st.tuples(
    st.just("set"), st.just(prefix), st.integers(0, max(len(LINES[prefix]) - 1, 0)), st.sampled_from(VALUES[prefix])))
remove = st.tuples(st.just("remove"), st.integers(0, len(SOURCES) - 1))
add = st.tuples(st.just("add"), st.sampled_from(VALUES["      condition: "]),
                st.sampled_from(VALUES["      intervention_type: "]), st.sampled_from(("included", "related", "ongoing")),
                st.sampled_from((None, "low", "moderate")))
edits = st.lists(st.one_of(set_field, set_field, remove, add), min_size=1, max_size=3)


def change(data: Path, edit: tuple, n: int) -> None:
    """Make one edit to the data folder (n: a number for an added review's id)."""
    path = data / "studies.yaml"
    text = path.read_text(encoding="utf-8")
    if edit[0] == "set":
        _, prefix, index, value = edit
        starts = [m.start() for m in re.finditer("^" + re.escape(prefix), text, re.M)]
        if not starts:  # every such line went with a removed source
            return
        at = starts[index % len(starts)] + len(prefix)
        end = text.index("\n", at)
        text = text[:at] + value + text[end:]
    elif edit[0] == "remove":
        starts = [m.start() for m in re.finditer(r"^- id: ", text, re.M)]
        at = starts[edit[1] % len(starts)]
        end = text.find("\n- id: ", at + 1) + 1 or len(text)
        text = text[:at] + text[end:]
    else:
        _, condition, intervention_type, status, certainty = edit
        block = (NEW_SOURCE.replace("incremental-2026", f"counted-{n}").replace("incremental2026", f"counted{n}")
                 .replace("condition: cancer", f"condition: {condition}").replace("status: included", f"status: {status}")
                 .replace("intervention_type: integrated_care", f"intervention_type: {intervention_type}"))
        if certainty:  # worded as GRADE expects it for that certainty
            hedge = {"low": "may have improved", "moderate": "probably improved"}[certainty]
            block = block.replace("      direction: benefit\n", f"      direction: benefit\n      certainty: {certainty}\n")
            block = block.replace("programme improved", f"programme {hedge}")
        text += block
        with (data / "references.bib").open("a", encoding="utf-8") as f:
            f.write(NEW_ENTRY.replace("incremental2026", f"counted{n}"))
    path.write_text(text, encoding="utf-8")


def stored(db: Path) -> dict[str, list]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"select rowid, * from {t} order by rowid").fetchall() for t in TABLES}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("counts")
    shutil.copytree(ROOT / "data", folder / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_DOCUMENTS", "off")
        builder.build(folder / "data", folder / "base.db")
    return folder


def incremental_build(work: Path) -> bool:
    """Build ``work``'s database again: False when the curation rules refuse an edit, or the build is a full
    one (a removed source that something links to)."""
    log: list[str] = []
    try:
        builder.build(work / "data", work / "evidence.db", log=log.append)
    except ValidationFailed:
        return False
    return any("incrementally" in line for line in log)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                 HealthCheck.function_scoped_fixture])
@given(first=edits, second=st.one_of(st.none(), edits))
def test_counts_kept_by_difference_equal_a_full_recompute(base, tmp_path_factory, monkeypatch, first, second):
    monkeypatch.setenv("EVIDENCE_DOCUMENTS", "off")
    work = tmp_path_factory.mktemp("edit")
    shutil.copytree(base / "data", work / "data")
    shutil.copy(base / "base.db", work / "evidence.db")
    n = 0
    for batch in (first, second):
        if batch is None:
            continue
        for edit in batch:
            n += 1
            change(work / "data", edit, n)
        assume(incremental_build(work))
        shutil.copy(work / "evidence.db", work / "recomputed.db")
        refresh(work / "recomputed.db")
        assert stored(work / "evidence.db") == stored(work / "recomputed.db"), (first, second)


def test_the_counts_change_with_an_edit(base, tmp_path, monkeypatch):
    """Not vacuous: an added review moves the counts (and the two ways still agree)."""
    monkeypatch.setenv("EVIDENCE_DOCUMENTS", "off")
    shutil.copytree(base / "data", tmp_path / "data")
    shutil.copy(base / "base.db", tmp_path / "evidence.db")
    change(tmp_path / "data", ("add", "hand_eczema", "physical", "included", "moderate"), 1)
    assert incremental_build(tmp_path)
    shutil.copy(tmp_path / "evidence.db", tmp_path / "recomputed.db")
    refresh(tmp_path / "recomputed.db")
    after = stored(tmp_path / "evidence.db")
    assert after != stored(base / "base.db")
    assert after == stored(tmp_path / "recomputed.db")
