"""The site in Dutch (?lang=nl) has no English interface text on any page type, and writes numbers with a
decimal comma (issue 28 item 3). What a page shows from the data (English statements, names of
sources, quotes) is not interface text: the test takes every text value of the database out of the page
first, and whatever is marked lang="en" (English content in a Dutch page, as WCAG 3.1.2 asks), then
looks for English words. ALLOWED lists the names the Dutch interface keeps in English."""

from __future__ import annotations

import html
import re
import sqlite3

import pytest

from tests.page_types import PAGE_TYPES

# Words that are English and never Dutch (so "in", "is", "of", "per", "effect", "studies" are not here).
ENGLISH = frozenset("""
the and with not from to by for are this that which was were more fewer reported months show all quote
history value design build release page found findings sources source relative changes changed added
removed what how see read about yes rows row next previous query took table tables column columns
sort each every evidence condition conditions intervention outcome outcomes certainty moderate high
very rated none there its their only than when where who why one two your you can has have been any
other others here back home error found items item contains starts ends like glob array
""".split())
# Names the Dutch interface keeps: a licence, software, file formats, the GRADE method's own terms.
ALLOWED = ("CC BY 4.0", "Datasette", "Summary of Findings", "Summary-of-Findings", "BibTeX", "Excel (XLSX)",
           "GRADE", "Atom")

PAGES = PAGE_TYPES


@pytest.fixture(scope="module")
def data_texts(real_db) -> list[str]:
    """Every text value in the database (longest first): what a page shows from the data."""
    conn = sqlite3.connect(real_db)
    texts = set()
    for (table,) in conn.execute("select name from sqlite_master where type in ('table', 'view') and name not like '%fts%'"):
        for row in conn.execute(f"select * from [{table}]"):
            texts |= {v.strip() for v in row if isinstance(v, str) and len(v.strip()) >= 2
                      and not re.fullmatch(r"[a-z_]+", v.strip())}  # not ids and column names: they are words too
            # a printed heading path ("Zoeken en selecteren > Search and select (Methods)") is shown part by part
            texts |= {part.strip() for v in row if isinstance(v, str) and " > " in v for part in v.split(" > ")
                      if len(part.strip()) >= 2}
    return sorted(texts, key=len, reverse=True)


def interface_text(page: str, data_texts: list[str]) -> str:
    """The page's visible text without the data's texts and without what is marked lang="en"."""
    page = re.sub(r"(?s)<(script|style|pre|code|svg|title|textarea)\b.*?</\1>", " ", page)  # title: test_dutch_tab_titles
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    for _ in range(3):  # nested elements marked lang="en"
        page = re.sub(r'(?s)<(?!html\b)([a-z0-9]+)\b[^>]*\blang="en"[^>]*>(?:(?!<\1\b).)*?</\1>', " ", page)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    for value in data_texts:
        if value in text:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    for name in ALLOWED:
        text = text.replace(name, " ")
    return text


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH]


@pytest.mark.parametrize("name", PAGES)
def test_no_english_interface_text_on_a_dutch_page(site, data_texts, name):
    response = site(PAGES[name] + ("&" if "?" in PAGES[name] else "?") + "lang=nl")
    assert '<html lang="nl"' in response.text, name
    text = interface_text(response.text, data_texts)
    found = english_words(text)
    context = [text[max(0, m.start() - 40): m.end() + 40] for m in re.finditer(rf"\b({'|'.join(found)})\b", text)][:5]
    assert found == [], f"{PAGES[name]}: {context}"


@pytest.mark.parametrize("name", PAGES)
def test_dutch_tab_titles_end_with_the_dutch_site_name_once(site, name):
    page = site(PAGES[name] + ("&" if "?" in PAGES[name] else "?") + "lang=nl").text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.endswith("Kennisbank arbeidsparticipatie") and title.count("Kennisbank") == 1, title
    assert "Work participation evidence" not in title, title


def test_the_walk_sees_english_where_a_page_is_english(site, data_texts):
    """The oracle itself: the same pages in English hold the interface words it looks for."""
    text = interface_text(site("/evidence/findings/kumar-2017-f3?lang=en").text, data_texts)
    assert {"relative", "certainty", "source"} <= {w.lower() for w in english_words(text)}


def test_dutch_numbers_have_a_decimal_comma(site):
    page = site("/condition/cancer?lang=nl").text
    assert "RR 1,23 (1,08 tot 1,39)" in page and "1.08" not in page
    page = site("/evidence/findings/kumar-2017-f3?lang=nl").text
    assert "RR 0,95 (0,85 tot 1,05)" in page
    page = site("/evidence/findings/kumar-2017-f3?lang=en").text
    assert "RR 0.95 (0.85 to 1.05)" in page  # English keeps its decimal point


def test_a_dutch_quote_comes_first_in_dutch(site):
    """lambeek-2010a-f1 was read in a Dutch passage (quote_language: nl): in Dutch its quote leads the page,
    in English the question does; the English statement is marked as English in a Dutch page."""
    dutch = site("/evidence/findings/lambeek-2010a-f1?lang=nl").text
    assert dutch.index('class="quote source-quote" lang="nl"') < dutch.index("<h2>Vraag</h2>")
    assert '<h1 class="finding-statement" lang="en">' in dutch
    english = site("/evidence/findings/lambeek-2010a-f1?lang=en").text
    assert english.index("<h2>Question</h2>") < english.index('class="quote source-quote"')


def test_a_dutch_quote_leads_its_search_card_in_dutch(site):
    """lambeek-2010a-f1's quote (Dutch): "De 4 maanden snellere duurzame terugkeer naar werk …"."""
    card = site("/search?q=snellere&lang=nl").text.split('href="/evidence/findings/lambeek-2010a-f1"')[1].split("</a>")[0]
    assert "<mark>snellere</mark>" in card and "De 4 maanden" in card and 'lang="en"' not in card
    english = site("/search?q=snellere&lang=en").text.split('href="/evidence/findings/lambeek-2010a-f1"')[1].split("</a>")[0]
    assert "De 4 maanden" not in english  # in English the card's title is the statement
