"""The browsing site (evidence/site) through datasette.client: what a working group sees."""

from __future__ import annotations

import html

from markupsafe import escape
import re
from pathlib import Path

import pytest

from evidence import build as builder
from evidence.metadata import read
from evidence.grade import SYMBOLS
from evidence.site.certainty_symbols import certainty_html
from evidence.site.identifier_links import identifier_link
from tests.conftest import ROOT, client_for, query
from tests.oracle_counts import counted_per_condition

METADATA = ROOT / "metadata.yml"


@pytest.fixture(scope="module")
def get(site):
    return site


# --- plugins as pure functions ------------------------------------------------------------------

def test_certainty_symbols_with_colour_class_and_word():
    assert str(certainty_html("moderate")) == (
        '<span class="certainty certainty-moderate" title="GRADE certainty: moderate">'
        '<span class="symbols" aria-hidden="true">⊕⊕⊕◯</span> moderate</span>'
    )
    assert "⊕◯◯◯</span> very low" in certainty_html("very_low")
    assert "not GRADE-rated" in certainty_html(None)
    assert str(certainty_html("<b>")) == "&lt;b&gt;"


def test_identifier_links():
    assert str(identifier_link("doi", "10.1136/bmj.c1035")) == (
        '<a href="https://doi.org/10.1136/bmj.c1035" rel="noopener">10.1136/bmj.c1035</a>'
    )
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/20234040/"' in identifier_link("pmid", "20234040")
    assert identifier_link("title", "x") is None and identifier_link("doi", None) is None


# --- pages --------------------------------------------------------------------------------------

def test_home_is_the_front_page_with_a_way_in_for_each_reader(get):
    response = get("/")
    assert response.status_code == 200
    page = response.text
    assert "<title>Work participation evidence</title>" in page
    for way_in in ('href="#conditions"', 'href="/guideline"', 'href="/gap-map"', 'href="/data"', 'action="/search"'):
        assert way_in in page, way_in
    # the product, not Datasette's database page: no SQL box, no table list, one search box, one h1
    assert "<textarea" not in page and page.count("<h1") == 1 and page.count('type="search"') == 1


def test_front_page_says_what_is_inside(real_db, get):
    page = get("/").text
    for condition_id, name in query(real_db, "select id, name from conditions"):
        # a result read in two documents counts once (same_result_as); narrower conditions roll up
        count = counted_per_condition(real_db).get(condition_id, 0)
        assert re.search(rf'href="/condition/{condition_id}">{re.escape(html.escape(name))}</a></td>\s*'
                         rf'<td data-label="Findings" class="number">{count}</td>', page), name
    built_at = query(real_db, "select built_at from build_info")[0][0]
    assert f'datetime="{built_at}"' in page and "How to cite" in page and built_at in page


def test_the_database_page_lists_the_ready_made_queries(get):
    page = get("/evidence").text
    assert "Ready-made queries" in page
    for query_name, meta in read(METADATA)["databases"]["evidence"]["queries"].items():
        assert f'href="/evidence/{query_name}">{html.escape(meta["title"])}</a>' in page


def test_findings_table_shows_certainty_symbols(real_db, get):
    page = get("/evidence/findings?condition=traumatic_brain_injury").text
    for (certainty,) in query(real_db, "select certainty from findings where condition = 'traumatic_brain_injury'"):
        assert f"{SYMBOLS[certainty]}</span>" in page
    expected = query(real_db, "select count(*) from findings where condition = 'traumatic_brain_injury'")[0][0]
    assert page.count('class="certainty certainty-') == expected


def test_sources_show_by_name_and_link_to_their_row(get):
    page = get("/evidence/findings?source_id=hegewald-2019").text
    assert '<a href="/evidence/sources/hegewald-2019">Hegewald 2019</a>' in page


def test_dois_and_pmids_link_out(get):
    page = get("/evidence/sources/kumar-2017").text
    assert 'href="https://doi.org/10.1002/14651858.CD007935.pub2"' in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/28631816/"' in page


def test_facets_name_each_term_once_in_the_pages_language(get):
    english = get("/evidence/findings").text
    assert ">traumatic brain injury</a>" in english and ">cognitive rehabilitation</a>" in english
    assert "traumatisch hersenletsel" not in english and "(traumatisch" not in english
    dutch = get("/evidence/findings?lang=nl").text
    assert ">traumatisch hersenletsel</a>" in dutch and ">cognitieve revalidatie</a>" in dutch


def test_row_page_is_a_summary_of_findings_entry(get):
    page = get("/evidence/findings/kumar-2017-f3").text
    for part in ("adults with traumatic brain injury", "hospital-based cognitive rehabilitation", "home programme",
                 "<td>return to work</td>", "long term (2 years)",
                 # the presenter's cells, not the verbatim quote (which also prints the estimate)
                 '<td class="effect">RR 0.95 (0.85 to 1.05)</td>', '<td class="studies">1 (120)</td>',
                 "⊕⊕⊕◯</span> moderate", "What the source says",
                 # the seeds report no GRADE domains: said once, not as five "not reported" rows
                 '<td class="domains-note">The source does not report the reasons', "Onderbouwing &gt; Conclusies &gt; Traumatic brain injury",
                 "Hospital-based cognitive rehabilitation likely results in little to no difference",
                 "Other findings from this source", 'href="/evidence/findings/kumar-2017-f1"'):
        assert part in page, part
    assert 'href="/evidence/findings/kumar-2017-f3"' not in page  # not listed among its own siblings
    assert "Risk of bias" not in page and "not reported" not in page


def test_row_page_shows_domain_judgements_and_footnotes(project):
    domains = "".join(f"      {d}: {v}\n      {d}_note: Because of {d}.\n" for d, v in
                      [("risk_of_bias", -1), ("inconsistency", 0), ("indirectness", 0), ("imprecision", -1), ("publication_bias", 0)])
    project.edit("      direction:", domains + "      direction:")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    page = client_for(db)("/evidence/findings/smith-2020-f1").text
    assert "serious (−1)<br>" in page and "Because of risk_of_bias." in page and "no serious concern" in page


def test_gap_map_counts_equal_sql_counts(real_db, get):
    data = get("/gap-map.json").json()
    cells = {(c["condition"], c["intervention_type"]): c for row in data["rows"] for c in row["cells"]}
    expected = {}  # a result read in two documents counts once; a broader condition's row holds its narrower ones
    for (t,) in query(real_db, "select distinct intervention_type from findings"):
        for c, n in counted_per_condition(real_db, where=f"intervention_type = '{t}'").items():
            expected[(c, t)] = n
    assert {k: c["findings"] for k, c in cells.items() if c["findings"]} == expected
    arthritis = cells[("rheumatic_musculoskeletal_diseases", "integrated_care")]  # rheumatoid arthritis, two levels down
    assert arthritis["findings"] == cells[("rheumatoid_arthritis", "integrated_care")]["findings"] > 0
    assert "?condition=rheumatoid_arthritis&intervention_type=integrated_care" in arthritis["href"]  # what it counts
    n_conditions = query(real_db, "select count(*) from conditions")[0][0]
    n_types = query(real_db, "select count(*) from intervention_types")[0][0]
    assert len(cells) == n_conditions * n_types  # empty cells stay, as gaps
    tbi = cells[("traumatic_brain_injury", "cognitive_rehabilitation")]
    assert tbi["best_certainty"] == "moderate"
    assert tbi["href"] == ("/evidence/findings?condition=traumatic_brain_injury&intervention_type=cognitive_rehabilitation"
                           "&same_result_as__isnull=1")
    assert [t["id"] for t in data["intervention_types"]] == [t for f in data["families"] for t in
                                                            [i["id"] for i in data["intervention_types"] if i["family"] == f["id"]]]


def test_gap_map_marks_ongoing_and_awaiting_studies(get):
    cells = {(c["condition"], c["intervention_type"]): c for row in get("/gap-map.json").json()["rows"] for c in row["cells"]}
    assert {"id": "steps-study", "label": "Steps study", "status": "ongoing"} in cells[("cancer", "multidisciplinary")]["pending"]
    assert [p["id"] for p in cells[("inflammatory_arthritis", "vocational")]["pending"]] == ["hammond-2020"]
    assert cells[("inflammatory_arthritis", "vocational")]["findings"] == 0
    page = get("/gap-map").text
    assert 'class="pending" href="/evidence/sources/hammond-2020"' in page
    assert 'class="gap" data-condition="hearing_impairment"' in page


@pytest.mark.parametrize("name", list(read(METADATA)["databases"]["evidence"]["queries"]))
def test_canned_queries_run_and_are_described(get, name):
    meta = read(METADATA)["databases"]["evidence"]["queries"][name]
    assert meta["title"] and meta["description"]
    params = "&condition=traumatic_brain_injury" if ":condition" in meta["sql"] else ""
    response = get(f"/evidence/{name}.json?_shape=array{params}")
    assert response.status_code == 200, response.text
    assert len(response.json()) > 0


def test_condition_query_returns_everything_for_the_condition(real_db, get):
    rows = get("/evidence/condition_evidence.json?_shape=array&condition=chronic_pain").json()
    findings = query(real_db, "select count(*) from findings where condition = 'chronic_pain'")[0][0]
    evaluations = query(real_db, "select count(*) from economic_evaluations where condition = 'chronic_pain'")[0][0]
    assert len(rows) == findings + evaluations
    assert rows[0]["certainty"] is not None  # most certain first


def test_one_search_box_across_findings_sources_and_evaluations(get):
    found = get("/search.json?q=cost").json()["results"]
    assert {"findings", "sources", "economic_evaluations"} <= {r["table"] for r in found}
    assert get("/-/search?q=cost").text == get("/search?q=cost").text  # datasette-search-all's address: the same page


def test_full_text_search_on_findings(get):
    rows = get("/evidence/findings.json?_search=cognitive&_shape=array").json()
    assert rows and all(r["condition"] == "traumatic_brain_injury" for r in rows)


def test_html_in_data_is_escaped_everywhere(project):
    project.edit("statement: Work support may increase return to work.",
                 "statement: Work support may increase return to work <script>alert(1)</script>.")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    get = client_for(db)
    for path in ("/evidence/findings", "/evidence/findings/smith-2020-f1", "/evidence", "/", "/search?q=work",
                 "/condition/cancer", "/evidence/findings?_all=1", "/evidence/sources/smith-2020"):
        page = get(path).text
        assert "<script>alert(1)</script>" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in get("/evidence/findings/smith-2020-f1").text


def test_downloads_are_linked_from_the_table_page(get):
    page = get("/evidence/findings?condition=cancer").text
    for ext in ("csv", "xlsx", "json", "parquet", "bib", "ris", "sof", "docx", "fhir"):
        assert f'href="/download/findings.{ext}?condition=cancer' in page


def test_bib_download_is_the_bibliography_of_the_rows_shown(real_db, get):
    import bibtexparser

    response = get("/evidence/findings.bib?condition=coronary_heart_disease")
    assert response.status_code == 200 and "x-bibtex" in response.headers["content-type"]
    keys = {e.key for e in bibtexparser.parse_string(response.text).entries}
    assert keys == {r[0] for r in query(real_db, "select distinct s.citation_key from findings f join sources s "
                                                 "on s.id = f.source_id where f.condition = 'coronary_heart_disease'")}


def test_ris_and_sof_downloads(get):
    import rispy

    ris = get("/evidence/sources.ris?status=ongoing")
    import yaml

    curated = yaml.safe_load((ROOT / "data" / "studies.yaml").read_text(encoding="utf-8"))
    ongoing = {s["citation_key"] for s in curated if s["status"] == "ongoing"}  # as data/studies.yaml says
    assert {"hammond2020", "steps"} < ongoing
    assert {r["id"] for r in rispy.loads(ris.text)} == ongoing
    sof = get("/evidence/findings.sof?condition=traumatic_brain_injury")
    assert sof.status_code == 200 and sof.text.count('<tr id="kumar-2017-f') == 4


def test_front_page_document_counts_equal_sql_counts(real_db, get):
    from evidence.site.document_pages import slug
    from evidence.site.labels import document_title

    page = get("/").text
    for document, name in query(real_db, "select id, name from documents"):
        count = query(real_db, "select (select count(*) from findings where source_document = ?) + "
                               "(select count(*) from economic_evaluations where source_document = ?)", (document, document))[0][0]
        if count:
            assert f'href="/documents/{slug(document)}">{escape(document_title(name))}</a>: {count} record' in page, name


@pytest.mark.parametrize("table", ["findings", "sources", "economic_evaluations"])
def test_every_citing_table_downloads_its_bibliography(real_db, get, table):
    import rispy

    assert f'href="/download/{table}.bib"' in get(f"/evidence/{table}").text
    bib = get(f"/evidence/{table}.bib?_size=max")
    ris = get(f"/evidence/{table}.ris?_size=max")
    assert bib.status_code == ris.status_code == 200
    # unfiltered, as `evidence export bib` without filters: every source with an entry
    cited = {r[0] for r in query(real_db, "select citation_key from sources where bibtex is not null")}
    assert {r["id"] for r in rispy.loads(ris.text)} == cited and bib.text.count("\n@") - bib.text.count("\n@comment") == len(cited)


def test_downloads_are_refused_where_they_do_not_apply(get):
    assert get("/evidence/conditions.bib").status_code == 404
    assert get("/evidence/findings.bib?_col=statement").status_code in (200, 404)  # never a 500
    query_page = get("/evidence/moderate_or_high_certainty.sof")  # Datasette 0.65 keeps 200 for a canned query
    assert query_page.status_code != 500 and "not available for this page" in query_page.text


def test_every_site_module_with_hooks_is_registered():
    import tomllib

    registered = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["datasette"].values())
    with_hooks = {f"evidence.site.{p.stem}" if p.stem != "__init__" else "evidence.site"
                  for p in (ROOT / "evidence" / "site").glob("*.py") if "@hookimpl" in p.read_text()}
    assert with_hooks <= registered, with_hooks - registered


def test_certainty_colours_come_from_the_vocabulary_and_pass_wcag_aa(get):
    from evidence.vocabulary import scales

    css = get("/-/terms.css").text

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for level, term in scales().terms("certainty").items():
        assert f".certainty-{level} {{ color: {term['colour']}; }}" in css
        # WCAG 2.1 contrast ratio against white: (1.05) / (L + 0.05) >= 4.5 for normal text (AA)
        assert 1.05 / (luminance(term["colour"]) + 0.05) >= 4.5, level
