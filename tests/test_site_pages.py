"""The site's pages for a working group, through datasette.client: condition, source, evaluation and
document pages, search, ready-made queries, labels instead of ids, the two languages, downloads, and a
site that does not depend on the database file's name."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from evidence.vocabulary import scales

from evidence.site.i18n import NL
from tests.conftest import ROOT, client_for, query

TEMPLATES = ROOT / "evidence" / "site" / "templates"
RAW_IDS = ("cochrane_review", "very_low", "cost_benefit_ratio", "return_to_work", "traumatic_brain_injury", '["')
FILE_NAMES = (".txt", "published-facts.md")


def visible_text(page: str) -> str:
    """What a reader sees: the page without tags, attributes, scripts, styles and code examples."""
    page = re.sub(r"(?s)<(script|style|title|pre|code)\b.*?</\1>", " ", page)  # code: API examples
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def get(site):
    return site


MAIN_PAGES = ["/", "/evidence/findings", "/evidence/findings?condition=cancer", "/evidence/sources",
              "/evidence/economic_evaluations", "/evidence/findings/kumar-2017-f3", "/evidence/sources/kumar-2017",
              "/condition/cancer", "/condition/traumatic_brain_injury", "/gap-map", "/search?q=werk", "/guideline",
              "/guideline/q2", "/data", "/evidence/condition_evidence?condition=cancer", "/evidence/cost_effectiveness",
              "/evidence/pending_studies", "/evidence/findings_per_source", "/evidence/moderate_or_high_certainty"]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_pages_show_names_not_stored_ids_or_file_names(get, path):
    response = get(path)
    assert response.status_code == 200, path
    text = visible_text(response.text)
    for raw in RAW_IDS + FILE_NAMES:
        assert raw not in text, f"{path}: {raw!r} shown"


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_every_page_says_its_language_and_has_a_skip_link_and_one_h1(get, path):
    page = get(path).text
    assert '<html lang="en">' in page and 'class="skip-link" href="#main"' in page and 'id="main"' in page
    assert len(re.findall(r"<h1[\s>]", page)) == 1, path
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", page)]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"{path}: headings skip a level: {levels}"


def test_tab_titles_name_the_page_then_the_site(get):
    for path, title in [("/evidence/findings", "Findings — Work participation evidence"),
                        ("/condition/cancer", "Cancer — Work participation evidence"),
                        ("/evidence/sources/kumar-2017", "Kumar 2017 — Work participation evidence"),
                        ("/evidence/condition_evidence?condition=cancer",
                         "Everything known for a condition — Work participation evidence"),
                        ("/gap-map", "Evidence gap map — Work participation evidence")]:
        assert f"<title>{title}</title>" in get(path).text, path


def test_dutch_interface_by_choice_and_remembered(get):
    response = get("/condition/cancer?lang=nl")
    assert "lang=nl" in response.headers["set-cookie"]
    page = response.text
    assert '<html lang="nl">' in page and "<h1>Kanker" in page and "Wat bekend is" in page
    assert 'hreflang="en"' in page  # the way back
    assert "lang=" not in visible_text(get("/evidence/findings?lang=nl").text)  # not read as a column filter


def test_every_translated_text_has_a_dutch_translation():
    texts = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        texts |= set(re.findall(r'\bt\("([^"]+)"\)', source)) | set(re.findall(r"\bt\('([^']+)'\)", source))
        for singular, plural in re.findall(r'plural\([^,()]+(?:\([^()]*\))?,\s*"([^"]+)"(?:,\s*"([^"]+)")?\)', source):
            texts |= {singular, plural or singular + "s"}
    assert texts and sorted(t for t in texts if t not in NL) == []


# --- the findings table ---------------------------------------------------------------------------

def test_phone_labels_name_the_cell_beside_them(get):
    page = get("/evidence/findings").text
    headings = re.findall(r'<th class="col-([a-z_]+)" scope="col"', page.split("<tbody>")[0].split('class="rows-and-columns compact')[1])
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    cells = re.findall(r'<td class="col-([a-z_]+)" data-label="([^"]+)"', first_row)
    assert [c for c, _ in cells] == headings and len(cells) == 8
    assert dict(cells)["certainty"] == "Certainty" and dict(cells)["statement"] == "Statement"
    # no positional labels (nth-of-type) that shift when the page shows fewer columns than the table has
    assert "nth-of-type" not in page


def test_findings_table_shows_certainty_statement_and_effect_first(get):
    page = get("/evidence/findings?condition=traumatic_brain_injury").text
    headings = re.findall(r'data-column="([a-z_]+)"', page.split('class="rows-and-columns compact')[1].split("</thead>")[0])
    assert headings[:3] == ["certainty", "statement", "effect"]
    assert "RR 0.95 (0.85 to 1.05)" in page and 'href="/evidence/findings/kumar-2017-f3"' in page


def test_certainty_facet_is_ranked_and_offers_not_graded(real_db, get):
    page = get("/evidence/findings").text
    facet = page.split('data-column="certainty"')[1].split("</section>")[0]
    words = re.findall(r'rel="nofollow">([^<]+)</a>', facet)
    assert words[-1] == "not GRADE-rated"
    ranked = [w for w in ("high", "moderate", "low", "very low") if w in words]
    assert words[:-1] == ranked
    ungraded = query(real_db, "select count(*) from findings where certainty is null")[0][0]
    assert re.search(rf'certainty__isnull=1" rel="nofollow">not GRADE-rated</a> <span class="facet-count">{ungraded}<', facet)
    rows = get("/evidence/findings.json?certainty__isnull=1&_shape=array&_size=max").json()
    assert len(rows) == ungraded and all(r["certainty"] is None for r in rows)


def test_downloads_cover_the_whole_filtered_set_as_files(real_db, get):
    page = get("/evidence/findings?condition=cancer").text
    assert 'href="/download/findings.csv?condition=cancer" download' in page
    assert 'href="/download/findings.xlsx?condition=cancer" download' in page
    csv = get("/download/findings.csv?condition=cancer")
    assert csv.headers["content-disposition"] == 'attachment; filename="findings-cancer.csv"'
    expected = query(real_db, "select count(*) from findings where condition = 'cancer'")[0][0]
    assert csv.text.count("\n") - 1 == expected or len(csv.text.strip().splitlines()) - 1 == expected
    xlsx = get("/download/findings.xlsx?condition=cancer")
    assert xlsx.headers["content-disposition"].startswith("attachment;") and xlsx.content[:2] == b"PK"


def test_downloads_say_when_the_set_is_larger_than_a_page_of_max_rows(real_db, tmp_path):
    import yaml

    meta = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    meta["settings"]["max_returned_rows"] = 5
    meta["databases"]["evidence"]["tables"]["findings"]["size"] = 5
    small = tmp_path / "metadata.yml"
    small.write_text(yaml.safe_dump(meta), encoding="utf-8")
    import asyncio

    from evidence.serve import app

    # a filter the command line does not have: the page's downloads are Datasette's, bounded
    page = asyncio.run(app(real_db, small).client.get("/evidence/findings?statement__contains=e")).text
    assert "More than" in page and "use the CSV, which holds them all" in page
    # filters the command line has: every download is the whole filtered set, and says nothing
    page = asyncio.run(app(real_db, small).client.get("/evidence/findings")).text
    assert "More than" not in page and 'href="/download/findings.csv"' in page


def test_a_compact_page_draws_only_its_columns_and_reads_as_with_every_column_drawn(real_db, monkeypatch):
    """Datasette draws (a render_cell call per cell) only the compact layout's columns of a compact table
    page, and the page is the same, byte for byte, as with every column drawn: each compact table, in
    both languages, filtered, sorted and searched. ?_all=1 draws every column."""
    from datasette.views import table as table_view

    from evidence.site import table_pages

    get = client_for(real_db)
    get("/")  # the app is built: table_pages' wrapper draws the table view's rows
    assert table_view.display_columns_and_rows is table_pages.display_columns_and_rows
    every_column = table_pages.display_columns_and_rows.every_column
    drawn: list[tuple[str, list[str]]] = []

    async def recorded(datasette, database, table, description, rows, *args, **kwargs):
        drawn.append((table, [d[0] for d in description]))
        return await every_column(datasette, database, table, description, rows, *args, **kwargs)

    monkeypatch.setattr(table_pages.display_columns_and_rows, "every_column", recorded)
    paths = [f"/evidence/{table}{query}" for table in table_pages.COMPACT for query in ("", "?lang=nl", "?_all=")]
    paths += ["/evidence/findings?condition=cancer&_sort=outcome", "/evidence/findings?_search=work&lang=nl",
              "/evidence/sources?status=included&_sort_desc=year"]
    pages = {path: get(path).text for path in paths}
    assert [table for table, _ in drawn] == [path.split("/")[2].split("?")[0] for path in paths]
    for table, columns in drawn:
        assert columns and set(columns) <= {column for column, _ in table_pages.COMPACT[table]}, table
    drawn.clear()
    get("/evidence/findings?_all=1")
    assert drawn[0][1] == [c for (c,) in query(real_db, "select name from pragma_table_info('findings')")]
    monkeypatch.setattr(table_view, "display_columns_and_rows", every_column)  # every column drawn, as Datasette does
    for path, page in pages.items():
        assert get(path).text == page, path


# --- records --------------------------------------------------------------------------------------

def test_source_page_says_how_to_cite_it(get):
    page = get("/evidence/sources/kumar-2017").text
    assert "Kumar KS, Samuelkamaleshkumar S, Viswanathan A, Macaden AS. Cognitive rehabilitation" in page
    for link in ('href="https://doi.org/10.1002/14651858.CD007935.pub2"', 'href="https://pubmed.ncbi.nlm.nih.gov/28631816/"',
                 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC6481568/"'):
        assert link in page
    assert "Cochrane review" in page and "Findings from this source" in page
    assert page.count('href="/evidence/findings/kumar-2017-f') == 4


def test_economic_evaluation_page(real_db, get):
    [(eid, source)] = query(real_db, "select id, source_id from economic_evaluations order by id limit 1")
    page = get(f"/evidence/economic_evaluations/{eid}").text
    assert "What the source says" in page and f'href="/evidence/sources/{source}"' in page


def test_finding_cites_the_paper_for_a_quote_read_in_the_published_papers(real_db, get):
    [(fid, label)] = query(real_db, "select f.id, s.label from findings f join sources s on s.id = f.source_id "
                                    "where f.source_document = 'published-facts.md' and s.doi is not null limit 1")
    page = get(f"/evidence/findings/{fid}").text
    read_in = page.split('class="provenance read-in"')[1].split("</p>")[0]
    assert "what was read of the published paper" in read_in and "doi.org" in read_in


def test_document_links_lead_to_document_pages(real_db, get):
    front = get("/").text
    links = re.findall(r'href="(/documents/[^"]+)"', front)
    assert links and all(get(link).status_code == 200 for link in links)
    papers = get("/documents/published-facts").text
    assert "What was read of the published papers" in papers and "published-facts" not in visible_text(papers)
    finding = get("/evidence/findings/kumar-2017-f3").text
    assert re.search(r'href="/documents/[^"]+">Guideline module Arbeidsparticipatie', finding)
    assert get("/documents/no-such-document").status_code == 404
    # the documents table's own row pages work too, for ids that end in .md or .txt
    assert get("/evidence/documents/published-facts~2Emd").status_code == 200


def test_condition_page_has_everything_for_the_condition(real_db, get):
    page = get("/condition/cancer").text
    for section in ('id="known"', 'id="recommendations"', 'id="economic"', 'id="pending"', 'id="gaps"'):
        assert section in page
    findings = query(real_db, "select id from findings where condition = 'cancer' and same_result_as is null")
    assert all(f'href="/evidence/findings/{f}"' in page for (f,) in findings)
    # most certain first within the page
    known = page.split('id="known"')[1].split('id="recommendations"')[0]
    assert known.index("certainty-moderate") < known.index("certainty-none")
    assert 'href="/evidence/sources/steps-study"' in page  # an ongoing study
    assert 'href="/guideline/q2#q2-r1"' in page and 'href="/guideline/q1#q1-r1"' in page  # specific and generic
    assert "nothing has been curated yet, not that there is no evidence" in page
    assert get("/condition/nope").status_code == 404


def test_plurals(get):
    page = get("/condition/traumatic_brain_injury").text
    assert "4 findings" in page and "0 economic evaluations" in page
    single = get("/condition/spinal_cord_injury").text
    assert "1 finding" in single and "1 findings" not in single


# --- search ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("words", ["kanker", "terugkeer", "terugkeer naar werk", "hersenletsel", "werk", "ziekteverzuim",
                                   "rehab*", "patienten", "patiënten"])
def test_search_finds_dutch_words_prefixes_and_folds_accents(get, words):
    found = get(f"/search.json?q={words}").json()["results"]
    assert found, words


def test_search_results_are_cards_findings_first_with_the_words_marked(get):
    page = get("/search?q=hersenletsel").text
    groups = re.findall(r'<section class="search-group" id="results-([a-z_]+)"', page)
    assert groups[0] == "findings"
    assert 'href="/evidence/findings/kumar-2017-f' in page
    marked = get("/search?q=rehab*").text
    assert "<mark>" in marked
    assert get("/search?q=%22unbalanced").status_code == 200 and get("/search?q=AND OR NOT *").status_code == 200


def test_search_escapes_what_it_marks(project):
    from evidence import build as builder

    project.edit("statement: Work support may increase return to work.",
                 "statement: Work support <b>may</b> increase return to work.")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    page = client_for(db)("/search?q=support").text
    assert "&lt;b&gt;" in page and "<b>may</b>" not in page and "<mark>support</mark>" in page


# --- ready-made queries ---------------------------------------------------------------------------

def test_condition_query_offers_labelled_choices_runs_a_default_and_hides_its_sql(get):
    response = get("/evidence/condition_evidence")
    assert response.status_code == 302 and "condition=" in response.headers["location"]
    page = get(response.headers["location"]).text
    assert '<select id="qp1" name="condition">' in page and ">traumatic brain injury</option>" in page
    assert 'selected>' in page and "No results." not in page
    assert "select q.* from" not in page and "Show SQL" in page
    assert "select q.* from" in get(response.headers["location"] + "&_show_sql=1").text


# --- the site whatever the database file is called --------------------------------------------------

def test_the_site_does_not_depend_on_the_database_file_name(real_db, tmp_path):
    other = tmp_path / "other-name.db"
    shutil.copy(real_db, other)
    get = client_for(other)
    for path in ("/", "/other-name/findings", "/condition/cancer", "/gap-map", "/guideline", "/guideline/q2",
                 "/search?q=kanker", "/other-name/findings/kumar-2017-f3", "/documents/published-facts",
                 "/other-name/sources/kumar-2017", "/data"):
        response = get(path)
        assert response.status_code == 200, (path, response.text[-500:])
    assert 'href="/other-name/findings/kumar-2017-f3"' in get("/condition/traumatic_brain_injury").text
    assert 'class="facet-info"' in get("/other-name/findings").text  # metadata.yml applies to it too


def test_certainty_sorts_by_rank_not_alphabetically(real_db):
    """The certainty heading sorts by the vocabulary rank (the derived certainty_rank column): most
    certain first, never alphabetically."""
    get = client_for(real_db)
    assert 'href="/evidence/findings?_sort_desc=certainty_rank"' in get("/evidence/findings").text
    assert "_sort=certainty&" not in get("/evidence/findings").text
    rows = get("/evidence/findings.json?_sort_desc=certainty_rank&_shape=array&_size=max").json()
    ranks = [r["certainty_rank"] for r in rows]
    assert ranks == sorted(ranks, reverse=True) and rows[0]["certainty"] in ("high", "moderate")
    expected = {t: a["rank"] for t, a in scales().terms("certainty").items()}
    assert all(r["certainty_rank"] == expected.get(r["certainty"], 0) for r in rows)

def test_the_footer_lists_the_menu_links_but_the_search_all_plugins(real_db, monkeypatch):
    """Every page's footer lists the links of Datasette's menu (every plugin's menu_links) but for
    datasette-search-all's /-/search (the site's /search), for a visitor and for root, without asking
    that plugin (which checks every table's permissions)."""
    import asyncio

    from datasette.plugins import pm
    from datasette.utils import await_me_maybe

    from evidence.serve import app

    import datasette_search_all

    datasette = app(real_db, ROOT / "metadata.yml")
    asked: list = []

    async def searchable(*args):
        asked.append(args)
        return True

    async def menu(actor) -> list[str]:
        return [link["href"] for hook in pm.hook.menu_links(datasette=datasette, actor=actor, request=None)
                for link in (await await_me_maybe(hook) or []) if link["href"] != "/-/search"]

    monkeypatch.setattr(datasette_search_all, "has_searchable_tables", searchable)
    for actor in (None, {"id": "root"}):
        cookies = {"ds_actor": datasette.sign({"a": actor}, "actor")} if actor else {}
        for path in ("/", "/evidence/findings", "/condition/cancer", "/evidence/findings/kumar-2017-f3"):
            page = asyncio.run(datasette.client.get(path, cookies=cookies)).text
            footer = page.split(">Database, tables and SQL</a>")[1].split("</p>")[0]
            listed = re.findall(r'&middot; <a href="([^"]+)"', footer)
            assert listed[:-1] == asyncio.run(menu(actor)) and listed[-1] == "https://datasette.io/", (actor, path)
            assert "/changes" in listed and (actor is None or "/-/plugins" in listed)
    assert asked == []  # datasette-search-all was not asked (menu() above asks it without a request)


def test_a_page_that_leaves_out_its_sort_column_is_a_page_sorted_by_it(site, real_db):
    """Datasette 0.65 reads the last row's sort value for the next page's link: a sort column left out by
    ?_col= or ?_nocol= (the findings page's own most-certain-first sort, or one asked for) was a 500. The
    page now selects the column it is sorted by, lists the chosen columns (not the compact layout, whose
    cells they would leave empty) in that order, and its next page follows on."""
    import html
    import re

    from tests.conftest import query

    most_certain = [r[0] for r in query(real_db, "select id from findings order by certainty_rank desc, rowid")]
    for path in ("/evidence/findings?_col=id&_col=condition&_size=10", "/evidence/findings?_nocol=certainty_rank&_nocol=population&_size=10",
                 "/evidence/findings?_col=id&_col=condition&_size=10&lang=nl"):
        page = site(path)
        assert page.status_code == 200, path
        table = page.text[page.text.index("<table"):]
        columns = re.findall(r'<th class="col-([a-z_]+)', table)
        assert "certainty_rank" in columns and "condition" in columns, (path, columns)
        assert ("statement" in columns) == ("_nocol" in path) and "population" not in columns, (path, columns)
        ids = re.findall(r'<td class="col-id[^"]*"[^>]*><a href="/evidence/findings/([^"]+)"', table)
        later = re.search(r'href="([^"]*_next=[^"]*)"', page.text)
        assert len(ids) == 10 and later, path
        following = site(re.sub(r"^https?://[^/]+", "", html.unescape(later.group(1))))
        assert following.status_code == 200, path
        ids += re.findall(r'<td class="col-id[^"]*"[^>]*><a href="/evidence/findings/([^"]+)"', following.text)
        assert len(ids) == 20 and len(set(ids)) == 20, path
        ranks = dict(query(real_db, "select id, certainty_rank from findings"))
        assert [ranks[i] for i in ids] == sorted((ranks[i] for i in ids), reverse=True), path
    page = site("/evidence/sources?_sort=year&_col=id")
    assert page.status_code == 200 and 'class="col-year' in page.text
    # a query that selects its sort column, or sorts by nothing, is passed on as it was
    from evidence.site.table_pages import with_sort_column

    for query_string in (b"_col=id&_col=year&_sort=year", b"_col=id", b"", b"_sort=id&_nocol=year"):
        assert with_sort_column(query_string) == query_string
    assert with_sort_column(b"_col=id&_sort=year") == b"_col=id&_sort=year&_col=year"
    assert with_sort_column(b"_nocol=year&_sort_desc=year&_nocol=id") == b"_sort_desc=year&_nocol=id"
