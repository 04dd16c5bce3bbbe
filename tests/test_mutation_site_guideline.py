"""Faults planted in the guideline pages and the search (bench/mutation.py, group site_guideline:
evidence/site/guideline_pages.py, search_page.py) that the page tests let through: each function called
directly, its expected value read from the built real data (data/*.yaml) or worked out by hand from the rule
its docstring states."""

from __future__ import annotations

import sqlite3

import pytest
from markupsafe import Markup

from evidence.site import search_page
from evidence.site.guideline_pages import linked, nested
from evidence.site.search_page import CLOSE, MORE, OPEN, PER_GROUP

GROUP = {group.table: group for group in search_page.GROUPS}


# --- guideline_pages ------------------------------------------------------------------------------

def test_a_modules_name_in_a_text_links_to_its_page_the_longest_name_first():
    modules = [("Werk", "/guideline/q1"), ("Werk en zorg", "/guideline/q2"), ("A&B", "/guideline/q3?x=1&y=2")]
    assert linked("Zie Werk en zorg.", modules) == Markup('Zie <a href="/guideline/q2">Werk en zorg</a>.')
    assert linked("Zie <A&B>", modules) == Markup('Zie &lt;<a href="/guideline/q3?x=1&amp;y=2">A&amp;B</a>&gt;')
    assert linked("Niets", []) == Markup("Niets")


def test_a_nested_list_is_printed_as_nested_lists():
    assert nested(["a", ["b", "c"], "d", "<e>"], []) == Markup(
        "<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li><li>&lt;e&gt;</li></ul>")
    assert nested(["a", ["b", ["c"]]], []) == Markup("<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li></ul>")
    assert nested([["x"], "a"], []) == Markup("<ul><li>a</li></ul>")  # a list under nothing is not shown
    assert nested(["Zie Werk"], [("Werk", "/guideline/q1")]) == Markup(
        '<ul><li>Zie <a href="/guideline/q1">Werk</a></li></ul>')


# --- search_page: the visitor's words as an FTS5 query -------------------------------------------------

@pytest.mark.parametrize("text, query", [
    ("werk", '"werk"'), ("rehab*", '"rehab"*'), ('a "b c" d', '"a" "b c" "d"'),
    ('"unclosed phrase', '"unclosed phrase"'), ('""', ""), ('" "', ""), ("x\"y", '"x" "y"'), ("*", ""), ("**", ""),
    ("a*b", '"a*b"'), ("NEAR(a b) OR c", '"NEAR(a" "b)" "OR" "c"'), ("  ", ""), ("rehab**", '"rehab"*'),
])
def test_the_visitors_words_as_an_fts5_query(text, query):
    assert search_page.fts_query(text) == query


def test_the_query_reads_the_first_max_query_characters():
    text = "a" * (search_page.MAX_QUERY - 2) + " bc"
    assert search_page.fts_query(text) == f'"{"a" * (search_page.MAX_QUERY - 2)}" "b"'


def test_matches_are_marked_and_everything_else_escaped():
    assert search_page.marked(f"<b>{OPEN}werk{CLOSE}</b>") == Markup("&lt;b&gt;<mark>werk</mark>&lt;/b&gt;")
    assert search_page.marked(None) == Markup("") and search_page.marked("") == Markup("")
    assert search_page.marked(3) == Markup("3")


def test_words_are_folded_and_split_as_the_index_does():
    assert search_page.folded("Patiënt") == "patient" and search_page.folded(None) == ""
    assert search_page.words_of("Niet-aangeboren hersenletsel, Patiënt!") == ["niet-aangeboren", "hersenletsel", "patient"]
    assert search_page.variants("niet-aangeboren") == {"niet-aangeboren", "nietaangeboren", "aangeboren"}
    assert search_page.variants("re-integratie") == {"re-integratie", "reintegratie", "integratie"}
    assert search_page.variants("werk") == {"werk"}
    assert search_page.variants("abcd-efghi") == {"abcd-efghi", "abcdefghi", "efghi"}  # a part of 5 letters


@pytest.mark.parametrize("word, other, is_close", [
    ("werk", "werk", True), ("rehab", "rehabilitation", True), ("reha", "rehabilitation", True),
    ("reh", "rehabilitation", False),  # a beginning of three letters is not enough
    ("rehabilitatoin", "rehabilitation", True), ("kanker", "kankers", True),
    ("wekr", "werk", False),  # a misspelling of four letters is not guessed
    ("abcde", "vwxyz", False), ("kankr", "kanker", True),
])
def test_a_typed_word_is_close_to_a_terms_word(word, other, is_close):
    assert search_page.close(word, other) is is_close


def rows(db, sql: str, params: dict) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def test_a_groups_query_marks_its_matches_and_lists_the_most_certain_first(real_db):
    findings = GROUP["findings"]
    query = {"q": '"work"'}
    matched = [r[0] for r in sqlite3.connect(real_db).execute(
        "select f.id from findings_fts join findings f on f.rowid = findings_fts.rowid where findings_fts match :q",
        query)]
    assert len(matched) > PER_GROUP  # the real data: more findings mention work than a group shows
    shown = rows(real_db, search_page.group_sql(findings), query)
    assert len(shown) == PER_GROUP and {r["id"] for r in shown} <= set(matched)
    ranks = [r["certainty_rank"] for r in rows(real_db, "select id, certainty_rank from findings where id in "
                                                         f"({', '.join('?' * len(shown))})", [r["id"] for r in shown])]
    rank_of = dict(rows and sqlite3.connect(real_db).execute("select id, certainty_rank from findings").fetchall())
    assert [rank_of[r["id"]] or -1 for r in shown] == sorted((rank_of[r["id"]] or -1 for r in shown), reverse=True)
    assert len(ranks) == PER_GROUP
    # every match shown has its words marked in a highlight, and a snippet of each indexed column
    for r in shown:
        assert any(OPEN in str(r[f"hl_{c}"] or "") and CLOSE in str(r[f"hl_{c}"]) for c in findings.columns[:-1]) or \
            not any(OPEN in str(r[f"sn_{c}"] or "") for c in findings.columns[:-1]), r["id"]
        assert set(r) >= {f"sn_{c}" for c in findings.columns[:-1]}
    by_rank = rows(real_db, search_page.group_sql(findings, sort="relevance"), query)
    assert [r["id"] for r in by_rank] == [r[0] for r in sqlite3.connect(real_db).execute(
        "select f.id from findings_fts join findings f on f.rowid = findings_fts.rowid where findings_fts match :q "
        f"order by findings_fts.rank limit {PER_GROUP}", query)]
    # bounded: only the matches up to the last rowid given
    last = sorted(r[0] for r in sqlite3.connect(real_db).execute(
        "select rowid from findings_fts where findings_fts match :q", query))[4]
    bounded = rows(real_db, search_page.group_sql(findings, bounded=True), {**query, "last": last})
    assert len(bounded) == 5
    sources = rows(real_db, search_page.group_sql(GROUP["sources"]), {"q": '"kumar"'})
    assert "kumar-2017" in {r["id"] for r in sources}
    kumar = next(r for r in sources if r["id"] == "kumar-2017")
    assert f"{OPEN}Kumar{CLOSE}" in kumar["hl_label"] and MORE not in kumar["sn_label"]
