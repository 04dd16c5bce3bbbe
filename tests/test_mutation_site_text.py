"""Faults planted in the site's words (bench/mutation.py, group site_text: evidence/site/i18n.py, labels.py)
that the page tests let through: each function called directly, its expected value read from the language
files (evidence/languages/*.yaml), the vocabulary (data/vocabulary/) or worked out by hand from the rule its
docstring states."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from evidence.languages import language
from evidence.site import i18n, labels
from evidence.site.labels import Terms

NL = language("nl")  # evidence/languages/nl.yaml


@pytest.fixture
def dutch():
    token = i18n._lang.set("nl")
    yield
    i18n._lang.reset(token)


# --- i18n ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, cookie, chosen", [
    (b"lang=nl", "", ("nl", True)), (b"a=1&lang=en", "lang=nl", ("en", True)),
    (b"", "lang=nl", ("nl", False)), (b"lang=fr", "lang=nl", ("nl", False)), (b"", "other=1; lang=nl", ("nl", False)),
    (b"", "", ("en", False)), (b"", "lang=fr", ("en", False)), (b"", "lang", ("en", False)),
    (b"", 'lang="nl', ("en", False)),  # a malformed cookie header: the default
])
def test_the_language_is_the_querys_then_the_cookies(query, cookie, chosen):
    assert i18n.choose(query, cookie) == chosen


def test_numbers_dates_and_plurals_in_english():
    assert i18n.localised("RR 1.23 (1.08 to 1.39)") == "RR 1.23 (1.08 to 1.39)"
    assert i18n.localised(None) == "" and i18n.localised(3) == "3"
    assert i18n.day("2026-12-07T10:00:00") == "7 December 2026" and i18n.day(None) == "" and i18n.day("soon") == "soon"
    assert i18n.plural(1, "finding") == "1 finding" and i18n.plural(1234, "finding") == "1,234 findings"
    assert i18n.plural(0, "study", "studies") == "0 studies" and i18n.plural(None, "finding") == "0 findings"
    assert i18n.number(1234567) == "1,234,567" and i18n.number(None) == "" and i18n.number(2.5) == "2.5"
    assert i18n.sentence("e-health") == "E-health" and i18n.sentence(None) == "" and i18n.sentence("") == ""


def test_numbers_dates_plurals_and_errors_in_dutch(dutch):
    # nl.yaml: decimal ",", thousands ".", "to" is "tot", "fewer" is "minder"; its months
    assert i18n.localised("RR 1.23 (1.08 to 1.39)") == f"RR 1{NL.decimal}23 (1{NL.decimal}08 {NL.number_words['to']} 1{NL.decimal}39)"
    assert i18n.localised("47 fewer per 1000") == f"47 {NL.number_words['fewer']} per 1000"
    assert i18n.localised("toward 1.5.") == f"toward 1{NL.decimal}5."  # whole words only; a full stop stays
    assert i18n.day("2026-03-07") == f"7 {NL.months[2]} 2026"
    assert i18n.plural(1234, "finding") == f"1{NL.thousands}234 {i18n.t('findings')}"
    assert i18n.plural(1, "finding") == f"1 {i18n.t('finding')}"
    assert i18n.error_message("No condition kanker") == i18n.t("No condition") + " kanker"
    assert i18n.error_message("Row not found: x") == i18n.t("Row not found") + ": x"
    assert i18n.error_message(None) == ""


def test_a_page_in_the_other_language_keeps_its_query_but_lang():
    from datasette.utils.asgi import Request

    request = Request.fake("/evidence/findings?condition=cancer&lang=en&_size=5")
    assert i18n.other_languages(request) == [("/evidence/findings?condition=cancer&_size=5&lang=nl", "nl", NL.name)]
    assert i18n.other_languages(None) == [("/?lang=nl", "nl", NL.name)]


def test_other_names_bilingual_and_english_text(dutch):
    assert i18n.other_names({"name": "cancer", "name_nl": "kanker"}) == [("en", "cancer")]  # Dutch is the page's
    assert i18n.bilingual("Doe dit", "Do this") == Markup('<span lang="nl">Doe dit</span>')
    assert i18n.english("week 12") == Markup('<span lang="en">week 12</span>')
    assert i18n.english("<b>") == Markup('<span lang="en">&lt;b&gt;</span>')
    assert i18n.english("") == "" and i18n.english(None) is None


def test_other_names_bilingual_and_english_text_on_an_english_page():
    assert i18n.other_names({"name": "cancer", "name_nl": "kanker"}) == [("nl", "kanker")]
    assert i18n.other_names({"name": "cancer", "name_nl": None}) == []
    assert i18n.bilingual("Doe dit", "Do this") == Markup('<span lang="en">Do this</span>')
    assert i18n.bilingual("Doe dit") == Markup('<span lang="nl">Doe dit</span>')
    assert i18n.bilingual("Doe dit nu meteen", None, 12) == Markup('<span lang="nl">Doe dit nu …</span>')  # cut at a space before the 11th character
    assert i18n.bilingual("Doe dit", None, 7) == Markup('<span lang="nl">Doe dit</span>')  # fits: as it is
    assert i18n.bilingual(None) == Markup('<span lang="nl"></span>')
    assert i18n.english("week 12") == "week 12"


# --- labels -----------------------------------------------------------------------------------------

def test_a_documents_address_is_its_id_without_its_extension():
    assert labels.slug("published-facts.md") == "published-facts"
    assert labels.slug("a.b.pdf") == "a.b"
    for same in ("README", ".md", "notes.", "x.tar-gz"):
        assert labels.slug(same) == same


def test_a_documents_title_has_no_file_name():
    assert labels.document_title("Published abstracts (published-facts.md)") == "Published abstracts"
    assert labels.document_title("report.PDF", "Report") == "Report"
    assert labels.document_title("report.pdf") == i18n.t("Document")
    assert labels.document_title(None, "x") == "x"


def test_terms_by_name_in_the_language_with_a_readable_fallback(dutch):
    terms = Terms(names={("condition", "cancer"): ("cancer", "kanker"), ("condition", "stroke"): ("stroke", None)},
                  parent={("condition", "a"): "b", ("condition", "b"): "c", ("condition", "c"): "a"})
    assert terms.name("condition", "cancer") == "kanker" and terms.name("condition", "cancer", "en") == "cancer"
    assert terms.name("condition", "stroke") == "stroke"  # no Dutch name: the English one
    assert terms.name("condition", "brain_injury") == "brain injury"
    assert terms.name("condition", None) == "" and terms.name("condition", "") == ""
    assert terms.known("condition", "cancer") and not terms.known("outcome", "cancer")
    assert terms.ids("condition") == [] and Terms(order={"x": ["a"]}).ids("x") == ["a"]
    assert terms.family("condition", "a") == "c"  # up to the top, a loop stops where it began
    assert terms.family("condition", "z") == "z"


def test_a_columns_kind_in_its_table():
    assert labels.kind_of("findings", "condition") == "condition"
    assert labels.kind_of("recommendations", "direction") == "recommendation_direction"
    assert labels.kind_of("findings", "direction") == "direction"
    assert labels.kind_of("conditions", "parent") == "condition"
    assert labels.kind_of("vocabulary", "condition") is None  # the terms themselves: ids as stored
    assert labels.kind_of(None, "outcome") == "outcome"


def test_which_columns_are_left_as_datasette_shows_them():
    labels.plain.cache_clear()
    assert labels.plain("findings", "population") is True
    assert labels.plain("findings", "certainty") is True  # drawn by certainty_symbols
    for table, column in (("findings", "condition"), ("findings", "note"), ("findings", "source_id"),
                          ("sources", "conditions"), (None, "population"), ("vocabulary", "population")):
        assert labels.plain(table, column) is False, (table, column)


@pytest.fixture(scope="module")
def links(real_db):
    """The links of the real data's site, as `evidence serve` starts it (its startup hook loads the terms)."""
    import asyncio

    from evidence.serve import app
    from tests.conftest import ROOT

    datasette = app(real_db, ROOT / "metadata.yml")
    asyncio.run(datasette.invoke_startup())
    return labels.Links(datasette)


def test_a_record_links_to_its_own_page(real_db, links):
    """A finding or source to its row page, a question to its guideline page, a recommendation to its place on its
    question's page (the question read from the database's question_id, not from the id), anything else nowhere."""
    import sqlite3

    with sqlite3.connect(real_db) as conn:
        recommendations = conn.execute("select id, question_id from recommendations order by id").fetchall()
        (question,), = conn.execute("select id from questions order by id limit 1").fetchall()
        (finding,), = conn.execute("select id from findings order by id limit 1").fetchall()
        (source,), = conn.execute("select id from sources order by id limit 1").fetchall()
    assert recommendations
    for recommendation, its_question in recommendations:
        assert links.record_url(recommendation) == f"/guideline/{its_question}#{recommendation}"
    assert links.record_url(question) == f"/guideline/{question}"
    assert links.record_url(finding) == f"/evidence/findings/{finding}"
    assert links.record_url(source) == f"/evidence/sources/{source}"
    assert links.record_url("no-such-record") is None


def test_a_family_walk_stops_before_it_revisits_a_term():
    # a → b → c → b: the validator reports the cycle; a page walking it must end, at the last term not yet seen
    terms = Terms(parent={("condition", "a"): "b", ("condition", "b"): "c", ("condition", "c"): "b"})
    assert terms.family("condition", "a") == "c" and terms.family("condition", "d") == "d"


def test_a_shortened_guideline_text_ends_at_a_word_within_its_length():
    text = i18n.bilingual("abcd efgh ijkl", length=10)
    assert text == Markup('<span lang="nl">abcd …</span>')  # "abcd efgh …" would be 11 characters
    assert i18n.bilingual("abcd efgh", length=10) == Markup('<span lang="nl">abcd efgh</span>')


def test_a_language_the_site_does_not_have_is_no_attribute():
    with pytest.raises(AttributeError, match="^XX$"):
        i18n.XX  # noqa: B018


def test_a_note_names_documents_by_their_titles_never_their_file_names(links):
    """data/vocabulary/document.yaml: 001_2af952145c35c2fe.txt is the 2015 report; published-facts.md (published:
    true) holds the published papers' own abstracts, read as "what was read of the published paper"."""
    note = links.no_file_names("Read in 001_2af952145c35c2fe.txt p. 12, as in published-facts.md.")
    assert note == ("Read in Report on clinical occupational medicine in the Netherlands (final report, July 2015) "
                    "p. 12, as in what was read of the published paper.")
    assert links.no_file_names("no file named") == "no file named" and links.no_file_names(None) is None
    assert links.document_title(None) == "" and links.document_title("") == ""
    assert links.document_title("001_2af952145c35c2fe.txt").startswith("Report on clinical occupational medicine")
