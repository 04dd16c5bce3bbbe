"""Faults planted in the table and row pages (bench/mutation.py, group site_tables: evidence/site/table_pages.py,
finding_page.py, front_page.py, forest_plots.py) that the page tests let through: each function called
directly, its expected value read from data/ (data/references.bib, data/studies.yaml, evidence/scales.yaml)
or worked out by hand from the rule its docstring states."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from datasette.utils.asgi import Request

from evidence import exports
from evidence.site import finding_page, front_page, i18n, table_pages
from evidence.site.certainty_symbols import certainty_word
from evidence.site.labels import Links
from tests.conftest import ROOT, query


def source(db, source_id: str) -> dict:
    """A source's row as the row pages pass it to citation()."""
    columns = ("id", "authors", "title", "journal", "year", "bibtex")
    return dict(zip(columns, query(db, f"select {', '.join(columns)} from sources where id = ?", (source_id,))[0]))


# --- finding_page: the Vancouver citation -------------------------------------------------------------

@pytest.mark.parametrize("name, cited", [
    ("Kumar, K. S.", "Kumar KS"),  # the docstring's example (data/references.bib, kumar2017)
    ("Momsen, A.-M.", "Momsen AM"),  # a hyphenated first name (pedersen2018)
    ("de Boer, A. G. E. M.", "de Boer AGEM"),  # a particle in the last name (deboer2024)
    ("  Kluit, L.  ", "Kluit L"),
    ("World Health Organization", "World Health Organization"),  # an organisation, no comma (who2014)
    ("others", "et al."), ("Others", "et al."), (" others ", "et al."),  # BibTeX's "and others"
])
def test_an_author_is_cited_by_last_name_and_initials(name, cited):
    assert finding_page._author(name) == cited


def test_a_citation_names_six_authors_at_most_then_three_and_et_al(real_db):
    # data/references.bib: pedersen2018 has six authors, all named; cullen2018 six and "others": three, et al.
    assert finding_page.citation(source(real_db, "pedersen-2018")) == (
        "Pedersen P, Labriola M, Nielsen CV, Maimburg RD, Nohr EA, Momsen AM. Systematic review of interventions "
        "targeting sickness absence among pregnant women in healthcare settings and workplaces. BMJ Open. "
        "2018;8(10):e024032.")
    assert finding_page.citation(source(real_db, "cullen-2018")) == (
        "Cullen KL, Irvin E, Collie A, et al. Effectiveness of Workplace Interventions in Return-to-Work for "
        "Musculoskeletal, Pain-Related and Mental Health Conditions: An Update of the Evidence and Messages for "
        "Practitioners. Journal of Occupational Rehabilitation. 2018;28(1):1–15.")
    # hegewald2019: eight authors
    assert finding_page.citation(source(real_db, "hegewald-2019")).startswith("Hegewald J, Wegewitz UE, Euler U, et al. ")


def test_a_citation_leaves_out_what_the_entry_does_not_have(real_db):
    # deboer2015: "{de Boer} and others", no title, no volume: the year, then the issue and the pages
    assert finding_page.citation(source(real_db, "de-boer-2015")) == (
        "de Boer, et al. Cochrane Database of Systematic Reviews. 2015(9):CD007569.")
    assert finding_page.citation(source(real_db, "hammond-2020")).startswith("Hammond A, et al. The effect on work")
    assert finding_page.citation({"authors": "others", "year": 2020}) == "et al. 2020."
    assert finding_page.citation({"title": "A title.", "year": None}) == "A title."
    assert finding_page.citation({"title": "Trial X", "journal": "BMJ", "year": 2020}) == "Trial X. BMJ. 2020."  # only full stops go
    assert finding_page.citation(None) == finding_page.citation({}) == "."


def test_bibtex_fields_are_read_by_lower_cased_name_with_braces_or_quotes():
    text = '@article{x,\n  Volume = { 6 },\n  NUMBER = "12",\n  pages   = {1--15}\n}'
    assert finding_page.bibtex_fields(text) == {"volume": "6", "number": "12", "pages": "1--15"}
    assert finding_page.bibtex_fields(None) == {}


def test_a_recommendation_in_several_modules_is_listed_once_with_each_module():
    rows = [
        {"recommendation_id": "r1", "question_id": "q1", "text": "Doe dit", "audience": "a", "module": "M1",
         "module_en": "M1 en"},
        {"recommendation_id": None, "question_id": "q9", "text": "Geen", "audience": "a", "module": "M9"},
        {"recommendation_id": "r2", "question_id": "q2", "text": "Doe dit", "audience": "a", "module": "M2"},
        {"recommendation_id": "r3", "question_id": "q3", "text": "Doe dit", "audience": "b", "module": "M3",
         "module_en": "M3 en"},
    ]
    unique = finding_page.unique_recommendations(rows)
    assert [(u["recommendation_id"], u["audience"]) for u in unique] == [("r1", "a"), ("r3", "b")]
    assert unique[0]["places"] == [
        {"question_id": "q1", "recommendation_id": "r1", "module": "M1", "module_en": "M1 en"},
        {"question_id": "q2", "recommendation_id": "r2", "module": "M2", "module_en": None}]
    assert unique[1]["places"] == [{"question_id": "q3", "recommendation_id": "r3", "module": "M3", "module_en": "M3 en"}]


# --- table_pages: the compact table pages ------------------------------------------------------------

@pytest.fixture(scope="module")
def datasette(real_db):
    """The site's Datasette for the real data, with its vocabulary loaded (as on its first request)."""
    import asyncio

    from evidence.serve import app
    from evidence.site import labels

    served = app(real_db, ROOT / "metadata.yml")
    asyncio.run(labels.load(served))
    return served


@pytest.fixture
def dutch():
    token = i18n._lang.set("nl")
    yield
    i18n._lang.reset(token)


def name(db, kind: str, term: str, column: str = "name") -> str:
    """A term's name as data/vocabulary/ gives it (the build's vocabulary table)."""
    return query(db, f"select {column} from vocabulary where kind = ? and id = ?", (kind, term))[0][0]


def test_a_column_is_titled_by_its_heading_or_its_name_in_words(dutch):
    assert table_pages.column_title("source_design") == i18n.NL["Design of the source"]
    assert table_pages.column_title("pooled_i2_x") == "Pooled i2 x"  # no heading: its name, spaced


def test_a_column_title_in_english():
    assert table_pages.column_title("source_design") == "Design of the source"
    assert table_pages.column_title("effect_measure") == "Effect measure"


def test_a_filter_value_is_named_as_the_reader_knows_it(datasette, real_db):
    links = Links(datasette)
    assert table_pages.value_label("findings", "certainty", "very_low", links) == certainty_word("very_low")
    assert table_pages.value_label("findings", "source_id", "kumar-2017", links) == query(
        real_db, "select label from sources where id = 'kumar-2017'")[0][0]
    assert table_pages.value_label("findings", "source_id", "no-such-source", links) == "no-such-source"
    assert table_pages.value_label("sources", "conditions", "traumatic_brain_injury", links) == name(
        real_db, "condition", "traumatic_brain_injury")  # a JSON list of terms: each term by its name
    assert table_pages.value_label("findings", "outcome", "return_to_work", links) == name(
        real_db, "outcome", "return_to_work")
    assert table_pages.value_label("findings", "population", "adults_x", links) == "adults_x"  # not a term
    # the vocabulary's own table shows ids as stored (labels.RAW_TABLES)
    assert table_pages.value_label("vocabulary", "condition", "traumatic_brain_injury", links) == "traumatic_brain_injury"


def test_the_active_filters_are_in_words_each_with_the_address_that_removes_it(datasette, real_db):
    pairs = [("condition", "cancer"), ("certainty__isnull", "1"), ("outcome__in", "return_to_work, sickness_absence"),
             ("_sort", "id"), ("lang", "nl"), ("year__gt", "2010"), ("_search", "werk"),
             ("same_result_as__isnull", "1"), ("source_id", "kumar-2017"), ("statement__isnull", "1"),
             ("certainty__exact", "low"), ("_next", "5")]
    request = Request.fake("/evidence/findings?" + urlencode(pairs))
    shown = table_pages.active_filters(request, "findings", Links(datasette))
    # every pair but the page's own (_sort, lang, _next), in order; removing one keeps the others but _next
    kept = [0, 1, 2, 5, 6, 7, 8, 9, 10]
    expected_text = [
        ("Condition", name(real_db, "condition", "cancer")), ("Certainty", "not GRADE-rated"),
        ("Outcome", f"{name(real_db, 'outcome', 'return_to_work')}, {name(real_db, 'outcome', 'sickness_absence')}"),
        ("Year", "gt 2010"), ("Search", "werk"), ("Each result", "listed once"),
        ("Source", query(real_db, "select label from sources where id = 'kumar-2017'")[0][0]),
        ("Statement", "not stated"), ("Certainty", certainty_word("low"))]
    assert [(f["column"], f["text"]) for f in shown] == expected_text
    for i, f in zip(kept, shown):
        others = [p for j, p in enumerate(pairs) if j != i and p[0] != "_next"]
        assert f["remove"] == "/evidence/findings?" + urlencode(others)
    # a table whose ids show as stored (labels.RAW_TABLES), and the terms of an "in" filter each by its name
    # (data/vocabulary/: health's name is not its id in words)
    raw = table_pages.active_filters(Request.fake("/evidence/vocabulary?condition=traumatic_brain_injury&outcome__in="
                                                  "health,job_loss"), "vocabulary", Links(datasette))
    assert [f["text"] for f in raw] == ["traumatic_brain_injury", "health, job_loss"]
    named = table_pages.active_filters(Request.fake("/evidence/findings?outcome__in=health,job_loss"), "findings",
                                       Links(datasette))
    assert [f["text"] for f in named] == [f"{name(real_db, 'outcome', 'health')}, {name(real_db, 'outcome', 'job_loss')}"]
    alone = table_pages.active_filters(Request.fake("/evidence/findings?condition=cancer"), "findings", Links(datasette))
    assert [f["remove"] for f in alone] == ["/evidence/findings"]
    once = table_pages.active_filters(Request.fake("/evidence/findings?same_result_as__isnull=1"), "findings",
                                      Links(datasette))
    assert [f["remove"] for f in once] == ["/evidence/findings"]
    # a blank value is a filter too (Datasette's own: statement = ''), shown and kept by the others' links
    blank = table_pages.active_filters(Request.fake("/evidence/findings?statement=&condition=cancer"), "findings",
                                       Links(datasette))
    assert [(f["column"], f["text"], f["remove"]) for f in blank] == [
        ("Statement", "", "/evidence/findings?condition=cancer"),
        ("Condition", name(real_db, "condition", "cancer"), "/evidence/findings?statement=")]


def test_downloads_of_a_page_the_command_line_cannot_filter_keep_its_filters_but_its_own_order(datasette):
    request = Request.fake("/evidence/findings?" + urlencode([("_search", "werk"), ("condition", "cancer"),
                                                              ("_size", "5"), ("_sort_desc", "certainty_rank")]))
    request.scope[table_pages.DEFAULT_SORT] = ("_sort_desc", "certainty_rank")  # as the wrapper adds it
    got = table_pages.download_links(datasette, request, "evidence", "findings")
    args = "_search=werk&condition=cancer"
    own = [f for f in exports.site_formats("findings") if f.site_extension not in ("csv", "json")]
    assert got == (
        [{"name": "CSV", "url": f"/evidence/findings.csv?{args}&_stream=1&_dl=1", "file": True, "complete": True}]
        + [{"name": f.site_title, "url": f"/evidence/findings.{f.site_extension}?{args}&_size=max",
            "file": not f.media_type.startswith("text/html"), "complete": False} for f in own]
        + [{"name": "JSON", "url": f"/evidence/findings.json?{args}&_shape=array&_size=max", "file": False,
            "complete": False}])
    assert any(not link["file"] for link in got[1:-1])  # the Summary-of-Findings page opens in the browser
    blank = Request.fake("/evidence/findings?_search=werk&statement=")  # a blank value is a filter too
    assert table_pages.download_links(datasette, blank, "evidence", "findings")[0]["url"] == (
        "/evidence/findings.csv?_search=werk&statement=&_stream=1&_dl=1")
    # a sort the reader asked for is kept
    asked = Request.fake("/evidence/findings?_search=werk&_sort=id")
    assert table_pages.download_links(datasette, asked, "evidence", "findings")[0]["url"] == (
        "/evidence/findings.csv?_search=werk&_sort=id&_stream=1&_dl=1")


def evaluation(db, evaluation_id: str) -> dict:
    return dict(zip(("measure", "value", "currency"), query(
        db, "select measure, value, currency from economic_evaluations where id = ?", (evaluation_id,))[0]))


def test_an_economic_value_reads_as_a_ratio_or_an_amount(real_db, dutch):
    # the rows of data/studies.yaml: lambeek-2010b-e3 a net benefit of GBP 5744; bouwsma-2018b-e2 a probability
    # of 0.79 without a currency; lambeek-2010b-e1 a cost-benefit ratio (scale: ratio) of 26 in EUR
    assert table_pages.economic_value(evaluation(real_db, "lambeek-2010b-e3")) == "GBP 5744"
    assert table_pages.economic_value(evaluation(real_db, "bouwsma-2018b-e2")) == "0,79"
    assert table_pages.economic_value(evaluation(real_db, "lambeek-2010b-e1")) == (
        f"1 : 26 (EUR 26 {i18n.NL['per']} EUR 1)")
    assert table_pages.economic_value({"measure": "cost_benefit_ratio", "value": 26.0, "currency": None}) == "1 : 26"
    assert table_pages.economic_value(evaluation(real_db, "noben-2015-e1")) == ""  # no value


def test_a_row_shows_its_effect_and_value_computed(datasette, real_db):
    links = Links(datasette)
    row = evaluation(real_db, "lambeek-2010b-e3")
    cells = table_pages.row_values(row, [{"column": "value", "value": 5744.0}, {"column": "id", "value": "x"}],
                                   "economic_evaluations", links)
    assert cells == {"value": f"{name(real_db, 'economic_measure', 'net_benefit')}: GBP 5744", "id": "x"}
    assert table_pages.row_values(evaluation(real_db, "noben-2015-e1"), [], "economic_evaluations", links) == {
        "value": name(real_db, "economic_measure", "return_on_investment")}
    assert table_pages.row_values({"measure": None, "value": None, "currency": None}, [], "economic_evaluations",
                                  links) == {"value": "–"}
    ratio = evaluation(real_db, "lambeek-2010b-e1")  # a measure whose name is not its id in words
    assert table_pages.row_values(ratio, [], "economic_evaluations", links) == {
        "value": f"{name(real_db, 'economic_measure', 'cost_benefit_ratio')}: 1 : 26 (EUR 26 per EUR 1)"}
    assert table_pages.row_values(ratio, [], "sources", links) == {}  # another table's row: nothing computed
    assert table_pages.row_values({"value": 1.0}, [{"column": "value", "value": 1.0}], "economic_evaluations",
                                  links) == {"value": 1.0}  # not every column it needs: as drawn
    # a finding: its effect with its CI, or a dash (data/studies.yaml: kumar-2017 f3, RR 0.95 (0.85 to 1.05))
    columns = ("effect", "effect_measure", "ci_lower", "ci_upper")
    finding = dict(zip(columns, query(real_db, f"select {', '.join(columns)} from findings where id = 'kumar-2017-f3'")[0]))
    assert table_pages.row_values(finding, [], "findings", links) == {"effect": "RR 0.95 (0.85 to 1.05)"}
    assert table_pages.row_values({**finding, "effect": None}, [], "findings", links) == {"effect": "–"}
    assert table_pages.row_values({"effect": 1.0}, [], "findings", links) == {}  # not every column: nothing computed
    assert table_pages.row_values(finding, [], "sources", links) == {}


def test_the_compact_layout_unless_columns_are_chosen():
    assert table_pages.compact_columns("findings", ["condition", "lang"]) is table_pages.COMPACT["findings"]
    for chosen in ("_all", "_col", "_nocol"):
        assert table_pages.compact_columns("findings", ["condition", chosen]) is None
    assert table_pages.compact_columns("questions", []) is None


def test_a_drawn_row_iterates_its_drawn_cells_and_keeps_every_column_by_name():
    class Row(tuple):
        def keys(self):
            return ["a", "b", "c"]

        def __getitem__(self, key):
            return tuple.__getitem__(self, "abc".index(key) if isinstance(key, str) else key)

    drawn = table_pages._DrawnRow(Row((1, 2, 3)), [0, 2])
    assert list(drawn) == [1, 3] and drawn["b"] == 2 and drawn.keys() == ["a", "b", "c"]


def test_nouns_and_certainty_facets():
    assert [table_pages.table_noun(t) for t in ("findings", "questions", "vocabulary")] == ["finding", "module", "row"]
    # evidence/scales.yaml ranks certainty from high to very low; a value without a rank goes last
    facets = [{"value": v} for v in ("low", None, "high", "very_low", "moderate")]
    assert [f["value"] for f in table_pages.by_certainty(facets)] == ["high", "moderate", "low", "very_low", None]


# --- front_page -----------------------------------------------------------------------------------

def test_a_first_build_is_every_record_of_every_table_it_names_added():
    counts = {"findings": 3, "sources": 2}
    added = [{"change": "added", "table_name": "findings", "records": 3},
             {"change": "added", "table_name": "sources", "records": 2}]
    assert front_page.first_build(added, counts) is True
    assert front_page.first_build([], counts) is False  # no changes: not a first build
    assert front_page.first_build([*added, {"change": "changed", "table_name": "findings", "records": 1}],
                                  counts) is False
    assert front_page.first_build([{**added[0], "records": 2}], counts) is False  # some of the table's records
    assert front_page.first_build([{**added[0], "table_name": "questions"}], counts) is False


def test_a_compact_page_draws_only_its_columns_of_its_own_table(monkeypatch):
    import asyncio

    class Row(tuple):
        def keys(self):
            return ["a", "b", "c"]

    async def every_column(datasette, database, table, description, rows, *args, **kwargs):
        return description, rows, args, kwargs

    monkeypatch.setattr(table_pages.display_columns_and_rows, "every_column", every_column, raising=False)
    description, rows = [("a",), ("b",), ("c",)], [Row((1, 2, 3))]

    def drawn(table: str, drawing):
        token = table_pages._drawing.set(drawing)
        try:
            return asyncio.run(table_pages.display_columns_and_rows(None, "evidence", table, description, rows, 7, x=8))
        finally:
            table_pages._drawing.reset(token)

    shown, drawn_rows, args, kwargs = drawn("findings", ("findings", frozenset({"a", "c"})))
    assert shown == [("a",), ("c",)] and [list(r) for r in drawn_rows] == [[1, 3]] and (args, kwargs) == ((7,), {"x": 8})
    assert drawn("sources", ("findings", frozenset({"a"})))[:2] == (description, rows)  # another table's page
    assert drawn("findings", None)[:2] == (description, rows)  # not a compact page


def test_a_sort_column_left_out_is_added_and_blank_arguments_kept():
    assert table_pages.with_sort_column(b"_col=id&_sort=year&x=") == b"_col=id&_sort=year&x=&_col=year"
    assert table_pages.with_sort_column(b"x=&_nocol=year&_sort=year") == b"x=&_sort=year"
    assert table_pages.with_sort_column(b"_sort=&_col=id") == b"_sort=&_col=id"  # a blank sort sorts by nothing
    for kept in (b"_sort=year&q=a%20b", b"_col=year&_sort=year&q=a%20b"):  # nothing to add: the bytes as they came
        assert table_pages.with_sort_column(kept) == kept
    assert table_pages.with_sort_column(b"_sort_desc=year&_col=id") == b"_sort_desc=year&_col=id&_col=year"


def test_an_author_with_a_designation_is_cited_with_it_after_the_initials():
    # BibTeX's three-part name "Last, Jr, First" (the BibTeX manual, "von Last, Jr, First"); Citing Medicine
    # (NLM, chapter 1): designations such as Jr follow the initials, without punctuation
    from evidence.site.finding_page import _author

    assert _author("Adams, Jr, John") == "Adams J Jr"
    assert _author("Adams, Jr., John Quincy") == "Adams JQ Jr"
    assert _author("Kumar, K. S.") == "Kumar KS" and _author("World Health Organization") == "World Health Organization"
