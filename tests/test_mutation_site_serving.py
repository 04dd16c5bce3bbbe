"""Faults planted in the site's serving modules (bench/mutation.py, group site_serving: evidence/site/downloads.py,
cache_headers.py, request_limits.py, ...) that the page tests let through: each function called directly, its
expected value read from the export registry (evidence/exports/) or worked out by hand from the rule its
docstring states."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from evidence import exports
from evidence.problems import EvidenceError
from evidence.read import FILTERS, ONCE
from evidence.site import downloads

CSV = downloads.find("findings", "csv")


# --- downloads: the command line's filters from a query string -------------------------------------

def test_download_filters_are_the_command_lines_repeatable_with_once():
    pairs = [("condition", "cancer"), ("outcome", "return_to_work"), ("condition", "stroke"), ("once", "1")]
    assert downloads.filters_of(pairs) == {"condition": ["cancer", "stroke"], "outcome": ["return_to_work"],
                                           "once": ["1"]}
    for off in ("", "0", "false"):
        assert downloads.filters_of([("once", off)]) == {"once": False}
    assert downloads.filters_of([("once", "yes")]) == {"once": ["1"]}
    with pytest.raises(EvidenceError) as unknown:
        downloads.filters_of([("condition", "cancer"), ("colour", "red")])
    assert str(unknown.value) == f"unknown filter 'colour'; filters: {', '.join([*FILTERS, ONCE])}"


@pytest.mark.parametrize("table, pairs, filters", [
    ("findings", [("condition", "cancer"), ("_sort", "id"), ("lang", "nl"), ("_size", "5")], {"condition": ["cancer"]}),
    ("findings", [("condition__exact", "cancer"), ("outcome__in", "return_to_work, sickness_absence")],
     {"condition": ["cancer"], "outcome": ["return_to_work", "sickness_absence"]}),
    ("findings", [("source_id", "kumar-2017"), ("id", "kumar-2017-f3")], {"source": ["kumar-2017"], "id": ["kumar-2017-f3"]}),
    ("findings", [("same_result_as__isnull", "1")], {"once": ["1"]}),
    ("findings", [("same_result_as__isnull", "true"), ("certainty", "low")], {"once": ["1"], "certainty": ["low"]}),
    ("findings", [], {}),
    ("sources", [("id", "kumar-2017")], {"id": ["kumar-2017"]}),  # a source's id is the command line's id
    # what the command line cannot filter on: None
    ("findings", [("same_result_as__isnull", "0")], None),
    ("findings", [("condition__gt", "c")], None),
    ("findings", [("condition", "cancer"), ("condition", "stroke")], None),  # a filter twice
    ("findings", [("condition", "cancer"), ("condition__in", "stroke")], None),
    ("findings", [("population", "adults")], None),
    ("findings", [("_search", "werk")], None),
    ("sources", [("condition", "cancer")], None),  # sources have no condition filter
    ("sources", [("source_id", "kumar-2017")], None),
])
def test_a_pages_filters_as_the_command_lines(table, pairs, filters):
    assert downloads.page_filters(table, pairs) == filters


def test_a_query_string_of_filters_names_once_off_as_zero():
    assert downloads.query_string({"condition": ["cancer", "stroke"], "once": ["1"]}) == (
        urlencode([("condition", "cancer"), ("condition", "stroke"), ("once", "1")]))
    assert downloads.query_string({"once": False}) == "once=0"
    assert downloads.query_string({}) == ""


def test_a_download_is_named_after_its_table_and_its_filters_values():
    # the values in the order of their filters' names (certainty before condition), "once" for once=1
    assert downloads.file_name("findings", {"condition": ["cancer"], "certainty": ["moderate"], "once": ["1"]}, CSV) == (
        "findings-moderate-cancer-once.csv")
    assert downloads.file_name("findings", {"once": False}, CSV) == "findings.csv"
    assert downloads.file_name("findings", {"id": ["a b/ç", "x"]}, CSV) == "findings-a_b_-x.csv"  # a safe name
    long = downloads.file_name("findings", {"id": ["x" * 200]}, CSV)
    assert long == "findings-" + "x" * (120 - len("findings-")) + ".csv"
    assert downloads.file_name("findings", {"id": ["x" * 110 + "...."]}, CSV) == "findings-" + "x" * 110 + ".csv"
    assert downloads.file_name("_", {}, CSV) == "_.csv"  # nothing safe is left: the table's name
    fhir = downloads.find("findings", "fhir")
    assert downloads.file_name("findings", {}, fhir) == f"findings.{fhir.suffix}"


def test_the_summary_of_findings_page_opens_in_the_browser_every_other_file_downloads():
    assert downloads.headers("findings", {"condition": ["cancer"]}, downloads.find("findings", "sof")) == {
        "content-disposition": 'inline; filename="findings-cancer.html"'}
    assert downloads.headers("findings", {}, CSV) == {"content-disposition": 'attachment; filename="findings.csv"'}


def test_formats_are_listed_in_the_sites_order_and_a_document_once_on_the_data_page():
    offered = exports.site_formats("findings")
    assert downloads.find("findings", "parquet") is next(f for f in offered if f.site_extension == "parquet")
    assert downloads.find("findings", "nope") is None and downloads.find("questions", "csv") is None
    listed = [f.site_extension for f in downloads.site_formats("findings")]
    assert listed == [e for e in downloads.ORDER if e in {f.site_extension for f in offered}]
    assert sorted(listed) == sorted(f.site_extension for f in offered)
    # the bibliographies are documents of every citing table: listed with their first table only
    for table in ("sources", "findings", "economic_evaluations"):
        assert [f.site_extension for f in downloads.data_page_formats(table)] == [
            f.site_extension for f in downloads.site_formats(table) if f.export == "table" or f.site_tables[0] == table]
    bib = downloads.find("findings", "bib")
    assert [t for t in bib.site_tables if bib in downloads.data_page_formats(t)] == [bib.site_tables[0]]


def test_a_formats_unknown_extension_sorts_after_the_known_ones(monkeypatch):
    import dataclasses

    known = exports.site_formats("findings")
    other = dataclasses.replace(known[0], extension="zzz")
    monkeypatch.setattr(exports, "site_formats", lambda table: [other, *known])
    assert [f.site_extension for f in downloads.site_formats("findings")] == ["csv", *[
        e for e in downloads.ORDER[1:] if e in {f.site_extension for f in known}], "zzz"]


@pytest.mark.parametrize("query, download", [
    (b"_stream=1&condition=cancer&_dl=1&_size=max&lang=nl", b"condition=cancer"),
    (b"_stream=1&same_result_as__isnull=1&certainty=low", b"once=1&certainty=low"),
    (b"_stream=1", b""),
    (b"condition=cancer", None),  # not a stream: Datasette's own CSV page
    (b"_stream=0&condition=cancer", None),
    (b"_stream=1&_search=werk", None),  # a search: more than the command line
    (b"_stream=1&_sort=id", None),
    (b"_stream=1&population=adults", None),
])
def test_a_tables_csv_stream_is_the_download_when_the_command_line_has_its_filters(query, download):
    scope = {"type": "http", "path": "/evidence/findings.csv", "raw_path": b"/evidence/findings.csv",
             "query_string": query, "method": "GET"}
    got = downloads.as_download(scope, "findings")
    if download is None:
        assert got is None
    else:
        assert got == {**scope, "path": "/download/findings.csv", "raw_path": b"/download/findings.csv",
                       "query_string": download}
    assert downloads.as_download({**scope, "query_string": b"_stream=1"}, "questions") is None  # no CSV download


# --- cache_headers -------------------------------------------------------------------------------------

def http(path: str = "/evidence/findings", query: bytes = b"", method: str = "GET", **extra) -> dict:
    return {"type": "http", "method": method, "path": path, "query_string": query, "headers": [], **extra}


@pytest.mark.parametrize("scope, kept", [
    (http(), True), (http(method="HEAD"), True), (http(method="POST"), False), ({**http(), "type": "websocket"}, False),
    (http("/-/threads"), False), (http("/-/static/app.css"), True), (http("/-/static-plugins/evidence/evidence.css"), True),
    (http(**{"evidence.sets_cookie": True}), False),
    (http(query=b"lang=nl"), False), (http(query=b"_size=5&lang"), False), (http(query=b"language=nl&a=lang"), True),
    ({"type": "http", "method": "GET"}, True),
])
def test_what_a_cache_may_keep(scope, kept):
    from evidence.site.cache_headers import cacheable

    assert cacheable(scope) is kept


def test_an_etag_names_the_build_and_the_language():
    from evidence.site.cache_headers import etag_for, header, matches

    assert etag_for("abc", http(**{"evidence.lang": "nl"})) == b'"abc-nl"'
    assert etag_for("abc", {**http(), "headers": [(b"accept", b"*/*"), (b"cookie", b"lang=nl")]}) == b'"abc-nl"'
    assert etag_for("abc", http()) == b'"abc-en"'
    assert header({"headers": [(b"a", b"1"), (b"b", b"2"), (b"b", b"3")]}, b"b") == b"2"
    assert header({}, b"b") is None
    assert matches(b'"x"', b'"x"') and matches(b'W/"x"', b'"x"') and matches(b'"a" , W/"x"', b'"x"')
    assert matches(b"*", b'"x"') and not matches(b'"y"', b'"x"') and not matches(None, b'"x"')
    assert not matches(b"", b'"x"')


# --- request_limits --------------------------------------------------------------------------------

def limits():
    from evidence.site import request_limits

    return request_limits


def test_a_request_target_of_more_than_max_target_bytes_is_414():
    rl = limits()
    path = "/evidence/findings"
    fits = http(path, b"q=" + b"x" * (rl.MAX_TARGET - len(path) - 2))
    assert rl.refusal({**fits, "query_string": b"_where=" + b"x" * (rl.MAX_TARGET - len(path) - 7)}) is None
    assert rl.refusal({**fits, "query_string": b"_where=" + b"x" * (rl.MAX_TARGET - len(path) - 6)}) == (
        414, f"Request URI too long: at most {rl.MAX_TARGET} bytes of path and query string.")
    # the raw path counts, as sent
    assert rl.refusal(http(path, raw_path=b"/" + b"%41" * rl.MAX_TARGET))[0] == 414
    assert rl.refusal({"type": "http", "path": "/" + "é" * (rl.MAX_TARGET // 2)})[0] == 414  # bytes, not characters


def test_debugging_pages_are_not_found():
    rl = limits()
    for path in ("/-/threads", "/-/threads.json", "/-/settings/"):
        assert rl.refusal(http(path)) == (404, "Not found.")
    assert rl.refusal(http("/-/static/app.css")) is None


def test_parameters_facets_nul_and_search_length_have_limits():
    rl = limits()
    assert rl.refusal(http(query=b"&".join(b"a%d=1" % i for i in range(rl.MAX_PARAMS)))) is None
    assert rl.refusal(http(query=b"&".join(b"a%d=1" % i for i in range(rl.MAX_PARAMS + 1)))) == (
        400, f"Too many query parameters: at most {rl.MAX_PARAMS}.")
    facets = [f"{rl.FACETS[i % 3]}=c{i}".encode() for i in range(rl.MAX_FACETS)]
    assert rl.refusal(http(query=b"&".join(facets))) is None
    assert rl.refusal(http(query=b"&".join([*facets, b"_facet_date=d"]))) == (
        400, f"Too many facets: at most {rl.MAX_FACETS}.")
    for query in (b"a%00=1", b"a=1%00"):
        assert rl.refusal(http(query=query)) == (400, "A query parameter contains a NUL character.")
    for name in ("q", "_search", "_search_title"):
        assert rl.refusal(http(query=urlencode({name: "x" * rl.MAX_SEARCH}).encode())) is None
        assert rl.refusal(http(query=urlencode({name: "x" * (rl.MAX_SEARCH + 1)}).encode())) == (
            400, f"Search text too long: at most {rl.MAX_SEARCH} characters.")
    assert rl.refusal(http(query=urlencode({"title": "x" * (rl.MAX_SEARCH + 1)}).encode())) is None
    assert rl.refusal(http(query=b"")) is None
