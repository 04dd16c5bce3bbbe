"""Search in Dutch and English: the indexes declared once (evidence/search_indexes.py), each one folding
accents and matching across hyphens, the vocabulary's synonyms (data/vocabulary/*.yaml `synonyms:`),
and suggestions when nothing is found. Issue 28 item 2 names the Dutch queries a physician typed."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from urllib.parse import urlencode

import pytest
import yaml

from evidence.search_indexes import INDEXES, script
from evidence.site.search_page import GROUPS, fts_query
from tests.conftest import ROOT


def found(site, q: str, table: str = "findings") -> set[str]:
    page = json.loads(site("/search.json?" + urlencode({"q": q})).text)
    return {i for r in page["results"] if r["table"] == table for i in r["ids"]}


def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def test_the_search_page_shows_every_declared_index_once():
    assert sorted(g.table for g in GROUPS) == sorted(i.table for i in INDEXES)
    sql = script()
    for index in INDEXES:  # the build's SQL is generated from the declaration: one index, one view each
        assert sql.count(f"CREATE VIRTUAL TABLE {index.fts} ") == 1 and sql.count(f"CREATE VIEW {index.view} ") == 1


@pytest.mark.parametrize("index", INDEXES, ids=lambda i: i.table)
def test_every_index_folds_accents(real_db, index):
    """A word with a diacritic in the index's own text (Dutch quotes, titles: patiënt, geïntegreerde) is
    found when typed without it. Fails when any one index is built without remove_diacritics."""
    conn = sqlite3.connect(real_db)
    hits = 0
    for rid, *texts in conn.execute(f"select rid, {', '.join(index.indexed)} from {index.view}"):
        accented = [w for w in re.findall(r"\w+", " ".join(t or "" for t in texts)) if fold(w) != w and fold(w).isascii()]
        for word in accented[:2]:
            rows = {r for (r,) in conn.execute(f"select rowid from {index.fts} where {index.fts} match ?",
                                               [fts_query(fold(word))])}
            assert rid in rows, f"{index.fts}: {fold(word)!r} does not find the row with {word!r}"
            hits += 1
        if hits >= 6:
            break
    assert hits, f"no accented word in {index.view} to test"


@pytest.mark.parametrize("index", INDEXES, ids=lambda i: i.table)
def test_every_index_finds_a_hyphenated_word_without_its_hyphen(real_db, index):
    conn = sqlite3.connect(real_db)
    tested = 0
    for rid, *texts in conn.execute(f"select rid, {', '.join(index.columns)} from {index.view}"):
        # the whole hyphenated word: return-to-work is found as returntowork
        for word in re.findall(r"(?<![\w-])[^\W\d_]{2,}(?:-[^\W\d_]{2,})+(?![\w-])", " ".join(t or "" for t in texts))[:1]:
            joined = {r for (r,) in conn.execute(f"select rowid from {index.fts} where {index.fts} match ?",
                                                 [fts_query(word.replace("-", ""))])}
            assert rid in joined, f"{index.fts}: {word.replace('-', '')!r} does not find the row with {word!r}"
            tested += 1
        if tested >= 5:
            break
    assert tested, f"no hyphenated word in {index.view} to test"


def test_reintegratie_finds_what_re_integratie_finds(site):
    assert found(site, "reintegratie") == found(site, "re-integratie") != set()


def condition_findings(real_db, condition: str) -> set[str]:
    return {r[0] for r in sqlite3.connect(real_db).execute("select id from findings where condition = ?", [condition])}


def test_dutch_words_for_a_condition_find_its_findings(site, real_db):
    """Synonyms belong to the vocabulary term (data/vocabulary/condition.yaml: chronic_pain has rugpijn and
    lage rugpijn, its description "including ... (chronic) low back pain"; traumatic_brain_injury has
    hersenletsel, its Dutch name "traumatisch hersenletsel")."""
    conditions = yaml.safe_load((ROOT / "data" / "vocabulary" / "condition.yaml").read_text(encoding="utf-8"))
    assert {"rugpijn", "lage rugpijn"} <= set(conditions["chronic_pain"]["synonyms"])
    back_pain = condition_findings(real_db, "chronic_pain")
    assert back_pain and back_pain <= found(site, "rugpijn") and back_pain <= found(site, "lage rugpijn")
    assert back_pain <= found(site, "rugpijn*")
    assert found(site, "hersenletsel") == condition_findings(real_db, "traumatic_brain_injury") != set()
    assert "lambeek-2010a-f1" in found(site, "low back pain")  # its population: "... chronic low back pain"


def test_nothing_found_suggests_conditions_spellings_and_single_words(site):
    page = json.loads(site("/search.json?q=niet-aangeboren+hersenletsel").text)
    assert page["results"] == []
    assert ["condition", "traumatic_brain_injury"] in page["suggestions"]["terms"]
    assert [w for w, n in page["suggestions"]["alone"]] == ["hersenletsel"]
    page = json.loads(site("/search.json?q=rugpjn").text)
    assert "rugpijn" in page["suggestions"]["spellings"] and ["condition", "chronic_pain"] in page["suggestions"]["terms"]
    html = site("/search?q=kankr&lang=nl").text
    assert "Bedoelt u" in html and 'href="/condition/cancer"' in html and "?q=kanker" in html
    assert json.loads(site("/search.json?q=kanker").text)["suggestions"] is None  # found: nothing to suggest
