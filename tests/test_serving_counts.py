"""What the site serves precomputed or bounded, so that every page stays fast at a million findings:
the counts derived at build (evidence/sql/serving_counts.sql) equal the live queries they replace, the
unfiltered facets come from them, filtered facets are counted in one pass, a search with very many
matches is bounded (and says so), and a facet that times out is reported."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

import yaml

from evidence.metadata import read
from evidence.site.precomputed_facets import CountedColumnFacet
from evidence.site.serving_counts import INDEXES, TABLES, refresh
from tests.conftest import ROOT, client_for, query
from tests.oracle_counts import counted_per_condition, sources_per_condition

CONFIGURED = read(ROOT / "metadata.yml")["databases"]["evidence"]["tables"]

# The live queries the precomputed tables replace (as the pages ran them before).
LIVE_GAP_MAP = """
select f.condition, f.intervention_type, count(*), max(case when status.in_overviews then certainty.rank end)
from findings f
join vocabulary status on status.kind = 'status' and status.id = f.source_status
left join vocabulary certainty on certainty.kind = 'certainty' and certainty.id = f.certainty
where f.same_result_as is null
group by f.condition, f.intervention_type"""
LIVE_DOCUMENTS = """
select source_document, count(*) from (select source_document from findings union all
    select source_document from economic_evaluations) group by source_document"""


def client_with(db, folder, **bounds):
    """The site with metadata.yml's ``plugins: evidence:`` bounds changed."""
    import asyncio

    from evidence.serve import app

    metadata = read(ROOT / "metadata.yml")
    metadata["plugins"]["evidence"].update(bounds)
    path = folder / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    datasette = app(db, path)
    return lambda url: asyncio.run(datasette.client.get(url))


def test_the_bounds_are_configured_in_metadata():
    assert set(read(ROOT / "metadata.yml")["plugins"]["evidence"]) == {
        "search_max_matches", "search_ranked", "condition_findings_per_comparison"}


@pytest.fixture(scope="module")
def copy_db(real_db, tmp_path_factory):
    """A copy of the real database this module may change."""
    db = tmp_path_factory.mktemp("serving") / "evidence.db"
    shutil.copy(real_db, db)
    return db


def test_the_build_derives_every_serving_table_and_index(real_db):
    names = {n for (n,) in query(real_db, "select name from sqlite_master")}
    assert set(TABLES) | set(INDEXES) <= names
    hidden = {t for t, meta in CONFIGURED.items() if meta.get("hidden")}
    assert set(TABLES) <= hidden  # hidden from the database page, described in metadata.yml
    assert all(CONFIGURED[t]["description"] for t in TABLES)


def test_precomputed_counts_equal_the_live_queries(real_db):
    assert sorted(query(real_db, "select condition, intervention_type, findings, best_rank from finding_counts")) \
        == sorted(query(real_db, LIVE_GAP_MAP))
    # per condition, its narrower conditions rolled up, each result counted once (tests/oracle_counts.py)
    findings, graded = counted_per_condition(real_db), counted_per_condition(real_db, where="certainty is not null")
    evaluations, sources = counted_per_condition(real_db, "economic_evaluations"), sources_per_condition(real_db)
    assert sorted(query(real_db, "select condition, findings, graded, economic_evaluations, sources from condition_counts")) \
        == sorted((c, findings.get(c, 0), graded.get(c, 0), evaluations.get(c, 0), sources.get(c, 0))
                  for (c,) in query(real_db, "select id from conditions"))
    assert sorted(query(real_db, "select document, records from document_counts")) \
        == sorted(query(real_db, LIVE_DOCUMENTS))
    assert query(real_db, "select table_name, change, records from change_counts order by 1, 2") == query(
        real_db, "select table_name, change, count(distinct record_id) from changes group by 1, 2 order by 1, 2")


def test_every_configured_facet_is_precomputed_and_equals_its_live_count(real_db):
    for table in ("findings", "economic_evaluations", "sources"):
        for facet in CONFIGURED[table]["facets"]:
            column = facet if isinstance(facet, str) else facet["array"]
            stored = query(real_db, "select value, count from facet_counts where table_name = ? and column_name = ?",
                           (table, column))
            counted_once = "same_result_as is null" if table in ("findings", "economic_evaluations") else "1"
            if column == "condition":  # narrower conditions rolled up (tests/oracle_counts.py)
                live = list(counted_per_condition(real_db, table).items())
            elif isinstance(facet, str):
                live = query(real_db, f"select {column}, count(*) from {table} where {column} is not null "
                                      f"and {counted_once} group by {column}")
            else:
                live = query(real_db, f"select j.value, count(distinct t.rowid) from {table} t, "
                                      f"json_each(t.{column}) j group by j.value")
            assert sorted(stored) == sorted(live) and live, (table, column)


def test_the_script_reruns_on_a_finished_database(copy_db):
    before = {t: sorted(query(copy_db, f"select * from {t}")) for t in TABLES}
    with sqlite3.connect(copy_db) as conn:  # a changed record, as an incremental build applies it
        conn.execute("update findings set condition = 'cancer' where condition = 'traumatic_brain_injury'")
    refresh(copy_db)
    refresh(copy_db)
    after = {t: sorted(query(copy_db, f"select * from {t}")) for t in TABLES}
    assert after["facet_counts"] != before["facet_counts"]
    assert ("findings", "condition", "traumatic_brain_injury") not in {r[:3] for r in after["facet_counts"]}
    assert sorted(query(copy_db, "select condition, intervention_type, findings, best_rank from finding_counts")) \
        == sorted(query(copy_db, LIVE_GAP_MAP))


def test_unfiltered_facets_are_read_from_the_build_and_filtered_ones_counted(copy_db, tmp_path):
    db = tmp_path / "evidence.db"
    shutil.copy(copy_db, db)
    with sqlite3.connect(db) as conn:  # a planted count: only the precomputed table says 999
        conn.execute("update facet_counts set count = 999 where table_name = 'findings' and column_name = 'outcome'")
    get = client_for(db)
    unfiltered = get("/evidence/findings.json?_size=0").json()["facet_results"]
    assert {r["count"] for r in unfiltered["outcome"]["results"]} == {999}
    assert list(unfiltered) == list(CONFIGURED["findings"]["facets"])
    filtered = get("/evidence/findings.json?_size=0&condition=cancer").json()["facet_results"]
    for column in CONFIGURED["findings"]["facets"]:
        counts = {r["value"]: r["count"] for r in filtered[column]["results"]}
        assert counts == dict(query(db, f"select {column}, count(*) from findings where condition = 'cancer' "
                                        f"and {column} is not null group by {column}")), column
    # a facet asked for in the address is counted by Datasette, beside the configured ones
    asked = get("/evidence/findings.json?_size=0&_facet=direction").json()["facet_results"]
    assert sum(r["count"] for r in asked["direction"]["results"]) == query(
        db, "select count(*) from findings where direction is not null")[0][0]


def test_a_facet_that_times_out_is_reported_in_the_page_and_the_json(real_db, monkeypatch):
    from datasette.database import QueryInterrupted

    async def interrupted(self, columns):
        raise QueryInterrupted(None, "select", {})

    monkeypatch.setattr(CountedColumnFacet, "one_pass", interrupted)
    get = client_for(real_db)
    data = get("/evidence/findings.json?condition=cancer").json()  # Datasette 0.65's JSON omits them
    assert not set(data["facet_results"]) & set(CONFIGURED["findings"]["facets"]) and data["rows"]
    page = get("/evidence/findings?condition=cancer").text
    assert 'class="facets-timed-out' in page and 'data-facets="condition,certainty,' in page
    # bench/serve_bench.py counts them where Datasette reports them: the HTML, and the JSON's facet_results
    from bench.serve_bench import facet_timeouts_html, facet_timeouts_json

    facets = len(CONFIGURED["findings"]["facets"])
    assert facet_timeouts_html(page.encode()) == facets
    assert facet_timeouts_json(get("/evidence/findings.json?condition=cancer").content) == facets
    assert facet_timeouts_json(get("/evidence/findings.json?condition=cancer&_size=0").content) == facets


def test_a_search_with_very_many_matches_is_bounded_and_says_so(real_db, tmp_path):
    total = query(real_db, "select count(*) from findings_fts where findings_fts match 'work'")[0][0]
    assert total > 3
    get = client_with(real_db, tmp_path, search_max_matches=3)
    data = get("/evidence/findings.json?_search=work").json()
    assert data["filtered_table_rows_count"] == 3 == len(data["rows"])
    assert f"the first 3 of its {total} matches" in data["human_description_en"]
    page = get("/evidence/findings?_search=work").text
    assert 'class="search-bounded' in page and f"{total}" in page
    # downloads hold every match
    csv = get("/evidence/findings.csv?_search=work&_stream=1&_size=max").text
    assert len(csv.strip().splitlines()) == total + 1
    get = client_with(real_db, tmp_path, search_max_matches=total)
    assert get("/evidence/findings.json?_search=work").json()["filtered_table_rows_count"] == total


def test_site_search_ranks_the_first_matches_when_there_are_very_many(real_db, tmp_path):
    get = client_with(real_db, tmp_path, search_ranked=2)
    page = get("/search?q=work").text
    assert 'class="provenance search-ranked"' in page
    found = get("/search.json?q=work").json()["results"][0]
    first_two = {r for (r,) in query(real_db, "select f.id from findings_fts join findings f on f.rowid = "
                                              "findings_fts.rowid where findings_fts match 'work' "
                                              "order by findings_fts.rowid limit 2")}
    assert set(found["ids"]) == first_two


def test_condition_page_lists_the_most_certain_of_each_comparison_and_links_the_rest(real_db, tmp_path):
    page = client_with(real_db, tmp_path, condition_findings_per_comparison=1)("/condition/cancer").text
    groups = query(real_db, "select intervention_type, count(*) from findings where condition = 'cancer' "
                            "and same_result_as is null group by intervention_type")
    larger = [t for t, n in groups if n > 1]
    assert larger and page.count('class="more-findings"') == len(larger)
    assert "intervention_type=" + larger[0] in page and "_sort_desc=certainty_rank" in page
    total = sum(n for _, n in groups)
    assert f"{total} findings" in page


def test_cells_skipped_as_plain_render_as_before(real_db):
    """labels.render_cell decides per column that most cells need nothing; every cell of every table
    still renders exactly as Links.cell renders it."""
    import asyncio

    from evidence.serve import app
    from evidence.site import labels

    datasette = app(real_db, ROOT / "metadata.yml")
    asyncio.run(datasette.invoke_startup())
    links = labels.Links(datasette)
    conn = sqlite3.connect(real_db)
    conn.row_factory = sqlite3.Row
    checked = 0
    for (table,) in conn.execute("select name from sqlite_master where type = 'table' and name not like '%fts%'"):
        for row in conn.execute(f"select * from [{table}] limit 30"):
            for column in row.keys():
                value = row[column]
                assert labels.render_cell(value, column, table, "evidence", datasette) == links.cell(
                    value, column, table), (table, column)
                checked += 1
    assert checked > 1000
