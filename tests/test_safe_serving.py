"""Safe serving: read-only database, a SQL time limit, and data never interpreted as HTML."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from evidence import build as builder
from evidence.serve import app
from tests.conftest import ROOT

SCRIPT = "<script>alert(1)</script>"


def get(db: Path, path: str):
    return asyncio.run(app(db, ROOT / "metadata.yml").client.get(path))


@pytest.mark.parametrize("sql", ["delete from findings", "insert into conditions (id) values ('x')",
                                 "drop table findings", "update findings set certainty = 'high'"])
def test_write_sql_is_refused(real_db, sql):
    before = real_db.read_bytes()
    response = get(real_db, "/evidence.json?" + urlencode({"sql": sql}))
    assert response.status_code in (400, 403) and not response.json()["ok"]
    assert real_db.read_bytes() == before


def test_a_pathological_query_is_stopped_by_the_time_limit(real_db):
    started = time.monotonic()
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = get(real_db, "/evidence.json?" + urlencode({"sql": sql}))
    assert response.status_code == 400 and "took too long" in response.json()["error"]
    assert time.monotonic() - started < 10


@pytest.fixture
def hostile_db(project) -> Path:
    """A project whose every text field carries markup."""
    project.edit("population: adults with cancer", f"population: adults {SCRIPT}")
    project.edit("statement: Work support may increase return to work.", f"statement: Work support may increase return to work {SCRIPT}.")
    project.edit("quote: Work support may increase return to work.", f"quote: '{SCRIPT}'\n      note: '{SCRIPT}'")
    project.edit("source_locator: p. 1", f"source_locator: '{SCRIPT}'")
    bib = (project.data / "references.bib").read_text()
    bib = bib.replace("Smith, Jane and Jones, Bob", "{" + SCRIPT + "}").replace("10.1000/xyz123", '10.1000/"><script>x</script>')
    bib += "\n@misc{ongoing1, author = {{" + SCRIPT + "}}, title = {" + SCRIPT + "}, year = {2024}}\n"
    (project.data / "references.bib").write_text(bib)
    with (project.data / "studies.yaml").open("a") as f:
        f.write("- id: ongoing-2024\n  citation_key: ongoing1\n  design: protocol\n  status: ongoing\n"
                "  conditions: [cancer]\n  intervention_types: [vocational]\n")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    return db


PAGES = ["/evidence", "/evidence/findings", "/evidence/findings?_all=1", "/evidence/findings/smith-2020-f1",
         "/evidence/sources", "/evidence/sources/smith-2020", "/evidence/sources/ongoing-2024", "/gap-map",
         "/search?q=work", "/evidence/findings.sof", "/evidence/moderate_or_high_certainty",
         "/evidence/condition_evidence?condition=cancer", "/evidence/pending_studies"]


@pytest.mark.parametrize("path", PAGES)
def test_markup_in_data_is_escaped(hostile_db, path):
    response = get(hostile_db, path)
    assert response.status_code == 200, response.text[:500]
    assert "<script>alert(1)</script>" not in response.text and "<script>x</script>" not in response.text


def test_escaped_text_is_still_shown(hostile_db):
    page = get(hostile_db, "/evidence/findings/smith-2020-f1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://doi.org/10.1000/%22%3E%3Cscript%3Ex%3C/script%3E"' in get(hostile_db, "/evidence/sources/smith-2020").text


# --- what one request may ask (evidence/site/request_limits.py) -------------------------------------

OVERSIZED = [
    ("/evidence/findings?condition=" + "x" * 9000, 414, "Request URI too long: at most 8192 bytes of path and query string."),
    ("/evidence/findings?" + "&".join(f"p{i}=1" for i in range(65)), 400, "Too many query parameters: at most 64."),
    ("/evidence/findings?" + "&".join(f"_facet=c{i}" for i in range(11)), 400, "Too many facets: at most 10."),
    ("/evidence/findings?_facet_array=conditions&" + "&".join(f"_facet=c{i}" for i in range(10)), 400,
     "Too many facets: at most 10."),
    ("/evidence/findings?_search=" + "w" * 501, 400, "Search text too long: at most 500 characters."),
    ("/evidence/findings?_search_statement=" + "w" * 501, 400, "Search text too long: at most 500 characters."),
]


@pytest.mark.parametrize("path, status, message", OVERSIZED)
def test_oversized_requests_are_refused_before_datasette_sees_them(real_db, path, status, message):
    started = time.monotonic()
    response = get(real_db, path)
    assert (response.status_code, response.text) == (status, message + "\n")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert time.monotonic() - started < 10  # the app's start-up included; the refusal itself takes a millisecond


@pytest.mark.parametrize("path", ["/evidence/findings?population=" + "x" * 8000, "/evidence/findings?" + "&".join(
    f"p{i}=1" for i in range(64)), "/evidence/findings?_search=" + "w" * 500])
def test_requests_just_within_the_limits_are_served(real_db, path):
    assert get(real_db, path).status_code == 200


@pytest.mark.parametrize("sql, error", [
    ("select fts3_tokenizer('simple')", "not authorized"),
    ("select length(randomblob(500000000))", "string or blob too big"),
    ("select length(zeroblob(200000))", "string or blob too big"),
    ("select group_concat(printf('%.*c', 1000, 'x')) from (select 1 from findings, findings limit 200)",
     "string or blob too big"),
])
def test_queries_cannot_call_fts3_tokenizer_or_build_huge_values(real_db, sql, error):
    response = get(real_db, "/evidence.json?" + urlencode({"sql": sql}))
    assert response.status_code == 400 and error in response.json()["error"]


def test_a_huge_printf_gives_no_value_and_stays_within_the_limit(real_db):
    response = get(real_db, "/evidence.json?" + urlencode({"sql": "select length(printf('%.*c', 100000000, 'x'))"}))
    assert response.status_code in (200, 400) and len(response.content) < 10_000


@pytest.mark.parametrize("path", [
    "/evidence/vocabulary.bib", "/evidence/vocabulary.sof", "/evidence/vocabulary.xlsx", "/evidence/changes.ris",
    "/evidence/findings/kumar-2017-f1.bib", "/evidence/findings/kumar-2017-f1.sof", "/evidence/sources/kumar-2017.xlsx",
    "/evidence/condition_evidence.bib?condition=cancer", "/evidence/condition_evidence.sof?condition=cancer",
    "/evidence/economic_evaluations.ris?id=none", "/evidence/findings.xlsx?id=none", "/evidence/findings.sof?id=none",
    "/evidence.bib?sql=select+1", "/evidence.xlsx?sql=select+id+from+findings", "/evidence/findings_fts.bib",
])
def test_downloads_on_odd_pages_never_fail_with_a_server_error(real_db, path):
    assert get(real_db, path).status_code < 500


# --- one slow or oversized request cannot stall the others: a real server on 127.0.0.1 --------------


def test_oversized_requests_do_not_stall_other_clients(real_db):
    import http.client
    import threading

    from bench.serve_bench import fetch, free_port, start

    port = free_port()
    server = start(real_db, port)
    try:
        refused, served, stop = [], [], time.monotonic() + 3

        def hostile():
            while time.monotonic() < stop:
                for path, status, _ in OVERSIZED:
                    refused.append((fetch(port, path)[0], status))
                refused.append((fetch(port, "/evidence/findings?condition=" + "x" * 90_000)[0], 414))

        thread = threading.Thread(target=hostile)
        thread.start()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            served.append(fetch(port, "/evidence/findings.json?_size=5", conn))
        conn.close()
        thread.join(timeout=60)
        assert refused and all(got == expected for got, expected in refused), sorted(set(refused))
        assert served and all(status == 200 for status, _, _ in served)
        assert max(took for _, _, took in served) < 10  # generous: the machine is shared; the bench reports the numbers
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_bench_serves_its_interpreters_package_not_the_current_directorys(real_db, tmp_path, monkeypatch):
    """serve_bench's server imports the evidence package its interpreter has installed, whatever the current
    directory holds: run from a checkout, `python -m datasette` put that checkout first on the path, and
    --against compared the code with itself."""
    from bench.serve_bench import fetch, free_port, start

    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "__init__.py").write_text("raise SystemExit('the current directory's evidence')\n")
    monkeypatch.chdir(tmp_path)
    port = free_port()
    server = start(real_db, port)
    try:
        assert fetch(port, "/evidence/findings.json?_size=1")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- a build that replaces the database under a running server ---------------------------------------


def test_a_running_server_keeps_the_database_it_opened_until_restarted(project):
    """Served immutable, the file is opened once per SQL thread; a build renames a new file over it. The
    open connection goes on reading the old file (its inode lives on), so the server shows the old build
    until it restarts: README, "Serving while building"."""
    from datasette.app import Datasette

    from evidence import metadata as md

    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    meta = md.read(ROOT / "metadata.yml")

    def server():
        return Datasette(immutables=[str(db)], metadata=meta, settings={**md.settings(meta), "num_sql_threads": 1})

    def statement(ds):
        sql = urlencode({"sql": "select statement from findings", "_shape": "array"})
        return asyncio.run(ds.client.get(f"/evidence.json?{sql}")).json()[0]["statement"]

    running = server()
    assert statement(running) == "Work support may increase return to work."
    project.edit("statement: Work support may increase return to work.", "statement: Work support may increase work.")
    builder.build(Path("data"), db)
    assert statement(running) == "Work support may increase return to work."  # the old build, still whole
    assert statement(server()) == "Work support may increase work."  # after a restart: the new one
