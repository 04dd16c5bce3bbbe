"""The site's downloads are the command line's files: one export path (the registry's writers), the same
bytes for the same filter, checked as a property over filters drawn from the data; named after their
filter; a table's address with an unknown extension is a 404, never the HTML page."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence import exports
from evidence.cli import cli
from tests.conftest import query

# (what `evidence export` takes, --format, the site's table and extension)
PAIRS = [("findings", "csv", "findings", "csv"), ("findings", "json", "findings", "json"),
         ("findings", "xlsx", "findings", "xlsx"), ("findings", "parquet", "findings", "parquet"),
         ("sources", "csv", "sources", "csv"), ("economic_evaluations", "json", "economic_evaluations", "json"),
         ("bib", "bib", "findings", "bib"), ("ris", "ris", "findings", "ris"), ("sof", "html", "findings", "sof"),
         ("sof", "docx", "findings", "docx"), ("fhir", "json", "findings", "fhir")]
FINDING_FILTERS = ("condition", "certainty", "intervention_type", "outcome")


def cli_bytes(db, what: str, fmt: str, filters: dict, tmp_path) -> bytes:
    out = tmp_path / f"cli.{fmt}"
    args = [f"--{name.replace('_', '-')}={value}" for name, values in filters.items() if name != "once" for value in values]
    if "once" in filters:
        args.append("--once" if filters["once"] == ["1"] else "--with-repeats")
    result = CliRunner().invoke(cli, ["export", what, "--db", str(db), "--format", fmt, "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def values(real_db):
    return {name: sorted({r[0] for r in query(real_db, f"select distinct {name} from findings where {name} is not null")})
            for name in FINDING_FILTERS}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_site_downloads_are_the_command_lines_bytes(real_db, site, values, tmp_path_factory, data):
    what, fmt, table, extension = data.draw(st.sampled_from(PAIRS))
    filters = {}
    for name in data.draw(st.lists(st.sampled_from(FINDING_FILTERS), unique=True, max_size=2)):
        if table == "economic_evaluations" and name in ("certainty", "outcome"):
            continue  # not filters of that table (an error on both sides)
        filters[name] = data.draw(st.lists(st.sampled_from(values[name]), min_size=1, max_size=2, unique=True))
    once = data.draw(st.sampled_from([None, "1", "0"]))  # default, --once, --with-repeats
    if once:
        filters["once"] = [once]
    query_string = urlencode([(n, v) for n, vs in filters.items() for v in vs])
    response = site(f"/download/{table}.{extension}" + (f"?{query_string}" if query_string else ""))
    assert response.status_code == 200, response.text
    assert response.content == cli_bytes(real_db, what, fmt, filters, tmp_path_factory.mktemp("site"))
    # the table page's own address gives the same file for the same filters, spelled as Datasette spells them
    if extension not in ("csv", "json") and once is None:
        page_query = urlencode([(f"{n}__in", ",".join(vs)) for n, vs in filters.items()])
        same = site(f"/evidence/{table}.{extension}" + (f"?{page_query}" if page_query else ""))
        assert same.status_code == 200
        if extension != "sof":  # the SoF page is the HTML itself
            assert same.content == response.content
        else:
            assert same.text == response.text


def test_downloads_are_named_after_their_filter(site):
    response = site("/download/findings.csv?condition=cancer&certainty=low&once=1")
    assert response.headers["content-disposition"] == 'attachment; filename="findings-low-cancer-once.csv"'
    assert site("/download/findings.docx").headers["content-disposition"] == 'attachment; filename="findings.docx"'
    # the FHIR Bundle is not saved over the table's own JSON download (walk-through, Dutch physician)
    assert site("/download/findings.fhir").headers["content-disposition"] == 'attachment; filename="findings.fhir.json"'
    assert site("/download/findings.sof?condition=cancer").headers["content-disposition"].startswith("inline;")


@pytest.mark.parametrize("path", ["/evidence/findings.parquet", "/evidence/findings.fhir", "/evidence/findings.docx"])
def test_a_table_address_with_a_format_gives_the_file(site, path):
    response = site(path)
    assert response.status_code == 200 and not response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize("path", ["/evidence/findings.nonsense", "/evidence/conditions.parquet", "/download/findings.nonsense",
                                  "/download/conditions.csv"])
def test_an_unknown_format_is_a_404_not_the_page(site, path):
    response = site(path)
    assert response.status_code == 404 and "<html" not in response.text


def test_unknown_download_filters_are_a_clear_400(site):
    response = site("/download/findings.csv?colour=red")
    assert response.status_code == 400 and "unknown filter 'colour'" in response.text


def test_the_data_page_offers_every_format_and_absolute_curl_addresses(site):
    page = site("/data").text
    for fmt in exports.site_formats("findings"):  # a document export is listed once, with one citing table
        tables = ("findings",) if fmt.export == "table" else fmt.site_tables
        assert any(f'href="/download/{table}.{fmt.site_extension}"' in page for table in tables), fmt.name
    for line in page.split('<pre class="example">')[1].split("</pre>")[0].strip().splitlines():
        assert line.startswith("curl 'http://"), line


def test_a_row_page_downloads_that_row(site):
    from pybtex.database import parse_string

    bib = site("/evidence/sources/kumar-2017.bib")
    assert bib.status_code == 200 and list(parse_string(bib.text, "bibtex").entries) == ["kumar2017"]


def test_a_csv_download_links_its_csvw_metadata(real_db, site, tmp_path):
    """The CSV's metadata (W3C CSVW), found as CSVW readers find it (a Link header, rel=describedby), is
    the command line's metadata file for the same filter, with the download's address as its url."""
    import json

    response = site("/download/findings.csv?condition=cancer")
    link = response.headers["link"]
    assert link == '</download/findings.csv-metadata.json?condition=cancer>; rel="describedby"; type="application/csvm+json"'
    meta = site(link[1:link.index(">")])
    assert meta.status_code == 200 and meta.headers["content-type"] == "application/csvm+json"
    served = json.loads(meta.content)
    assert served["url"] == "findings.csv?condition=cancer"
    out = tmp_path / "findings.csv"
    assert CliRunner().invoke(cli, ["export", "findings", "--db", str(real_db), "--condition", "cancer", "-o",
                                    str(out)]).exit_code == 0
    written = json.loads((tmp_path / "findings.csv-metadata.json").read_text(encoding="utf-8"))
    assert {**served, "url": None} == {**written, "url": None}
    assert site("/download/findings.xlsx-metadata.json").status_code == 404
