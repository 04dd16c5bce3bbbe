"""Faults planted in the condition, document, changes, gap-map and query pages and the certainty and identifier
cells (bench/mutation.py, group site_views) that the page tests let through: each function called directly,
its expected value read from evidence/scales.yaml or worked out by hand from the rule its docstring states."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from evidence.site import certainty_symbols, i18n
from evidence.site.condition_pages import comparisons
from evidence.site.gap_map import _tree_order
from evidence.site.identifier_links import identifier_link, pmcid_of
from evidence.site.query_pages import add_args
from evidence.vocabulary import scales

CERTAINTY = scales().terms("certainty")  # evidence/scales.yaml: high 4 ... very_low 1


def test_certainty_words_ranks_and_colours():
    token = i18n._lang.set("nl")
    try:
        assert certainty_symbols.certainty_word("low") == CERTAINTY["low"]["name_nl"]
        assert certainty_symbols.certainty_word(None) == i18n.t("not GRADE-rated")
    finally:
        i18n._lang.reset(token)
    assert certainty_symbols.certainty_word("low") == CERTAINTY["low"]["name"]
    assert certainty_symbols.certainty_word("unknown") == "unknown"
    assert [certainty_symbols.certainty_rank(v) for v in ("high", "moderate", "low", "very_low", None, "x")] == [
        CERTAINTY[v]["rank"] for v in ("high", "moderate", "low", "very_low")] + [0, 0]
    assert str(certainty_symbols.certainty_html(None)) == '<span class="certainty certainty-none">not GRADE-rated</span>'
    css = certainty_symbols.terms_css()
    for level, term in CERTAINTY.items():
        assert f".certainty-{level} {{ color: {term['colour']}; }}\n" in css
        assert f".best-{level} {{ background: {term['background']}; }}\n" in css
    assert css.endswith("}\n") and css.count("\n") == 2 * len(CERTAINTY)


def test_identifier_links_and_the_pmcid_of_an_entry():
    assert identifier_link("pmcid", "PMC6481568") == Markup(
        '<a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC6481568/" rel="noopener">PMC6481568</a>')
    assert identifier_link("doi", "10.1/a b<c>") == Markup(
        '<a href="https://doi.org/10.1/a%20b%3Cc%3E" rel="noopener">10.1/a b&lt;c&gt;</a>')
    assert identifier_link("doi", "") is None and identifier_link("doi", 5) is None
    # data/references.bib, kumar2017: pmcid = {PMC6481568}
    assert pmcid_of("@article{x,\n  pmcid   = {PMC6481568},\n}") == "PMC6481568"
    assert pmcid_of('  PMCID="PMC1"') == "PMC1" and pmcid_of("xpmcid = {PMC1}") is None
    assert pmcid_of(None) is None and pmcid_of("pmcid = {1234}") is None


def test_a_query_pages_address_with_arguments_set_or_removed():
    assert add_args("/evidence/q?a=1&b=2#x", {"b": None, "c": 3}) == "/evidence/q?a=1&c=3#x"
    assert add_args("/evidence/q?a=1", {"a": "2"}) == "/evidence/q?a=2"
    assert add_args("/evidence/q", {}) == "/evidence/q"
    assert add_args("/evidence/q?a=", {"c": None}) == "/evidence/q?a="  # a blank argument is kept


def test_findings_are_grouped_per_comparison_in_the_groups_order():
    findings = [{"intervention_type": "b", "effect": None, "id": 1},
                {"intervention_type": "a", "effect": None, "id": 2},
                {"intervention_type": "b", "effect": None, "id": 3}]
    grouped = comparisons([{"intervention_type": "b", "findings": 7}, {"intervention_type": "a", "findings": 1},
                           {"intervention_type": "c", "findings": 0}], findings)
    assert [(g["intervention_type"], g["total"], [f["id"] for f in g["findings"]]) for g in grouped] == [
        ("b", 7, [1, 3]), ("a", 1, [2]), ("c", 0, [])]
    assert all(f["effect_text"] == "" for f in findings)


def test_the_gap_maps_rows_are_a_tree_in_vocabulary_order():
    items = [{"id": "a", "parent": None}, {"id": "a1", "parent": "a"}, {"id": "b", "parent": None},
             {"id": "a2", "parent": "a"}, {"id": "a11", "parent": "a1"}, {"id": "c", "parent": "gone"}]
    assert [(i["id"], i["depth"]) for i in _tree_order(items)] == [
        ("a", 0), ("a1", 1), ("a11", 2), ("a2", 1), ("b", 0), ("c", 0)]  # a parent not listed: a top row


@pytest.mark.parametrize("level", list(CERTAINTY))
def test_certainty_html_of_every_level(level):
    word = CERTAINTY[level]["name"]
    assert str(certainty_symbols.certainty_html(level)) == (
        f'<span class="certainty certainty-{level}" title="GRADE certainty: {word}">'
        f'<span class="symbols" aria-hidden="true">{CERTAINTY[level]["symbol"]}</span> {word}</span>')
