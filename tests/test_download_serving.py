"""How the site serves downloads (evidence/site/downloads.py): a table's CSV stream with the command line's
filters is the command line's file; downloads are written on threads of their own and refused with a 503
and Retry-After when too many wait; a text file streams as the writer writes it; the /data page lists a
bibliography once, since it is one file whatever the table."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from click.testing import CliRunner

from evidence.cli import cli
from evidence.site import downloads
from tests.conftest import ROOT, client_for


def cli_bytes(db, tmp_path, *args: str) -> bytes:
    out = tmp_path / "cli.out"
    result = CliRunner().invoke(cli, ["export", *args, "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.mark.parametrize("query, args", [("", []), ("&condition=cancer", ["--condition", "cancer"]),
                                         ("&certainty__exact=low&_dl=1", ["--certainty", "low"]),
                                         ("&condition__in=cancer,depression", ["--condition", "cancer", "--condition", "depression"])])
def test_a_tables_csv_stream_with_the_command_lines_filters_is_the_command_lines_file(real_db, site, tmp_path, query, args):
    response = site(f"/evidence/findings.csv?_stream=1{query}")
    assert response.status_code == 200
    assert response.content == cli_bytes(real_db, tmp_path, "findings", "--format", "csv", *args)
    assert response.headers["content-disposition"].startswith('attachment; filename="findings')


def test_a_csv_stream_the_command_line_cannot_filter_stays_datasettes(real_db, site, tmp_path):
    """A search, a sort or a choice of columns is Datasette's own CSV (its header names only the columns asked for)."""
    response = site("/evidence/findings.csv?_stream=1&_col=condition&_col=certainty")
    assert response.status_code == 200
    assert response.text.splitlines()[0] == "id,condition,certainty"
    everything = cli_bytes(real_db, tmp_path, "findings", "--format", "csv")
    assert site("/evidence/findings.csv?_stream=1&_sort=certainty").content != everything


def test_too_many_downloads_are_a_503_with_retry_after(real_db, monkeypatch):
    get = client_for(real_db)
    monkeypatch.setattr(downloads, "MAX_DOWNLOADS", 0)
    monkeypatch.setattr(downloads, "MAX_WAITING", 0)
    for path in ("/download/findings.csv", "/download/findings.xlsx", "/evidence/findings.parquet"):
        response = get(path)
        assert response.status_code == 503, path
        assert response.headers["retry-after"] == downloads.RETRY_AFTER
    monkeypatch.setattr(downloads, "MAX_WAITING", 1)
    assert get("/download/findings.csv").status_code == 200  # one may wait: the slot is given back after


def test_downloads_do_not_use_datasettes_query_threads(real_db, monkeypatch):
    """With every one of Datasette's query threads taken, a download is still written."""
    get = client_for(real_db)
    get("/")  # the database is opened

    async def refused(*args, **kwargs):
        raise AssertionError("a download ran on Datasette's query threads")

    from datasette.database import Database
    monkeypatch.setattr(Database, "execute_fn", refused)
    assert get("/download/findings.csv?condition=cancer").status_code == 200
    assert get("/download/findings.xlsx?condition=cancer").status_code == 200


def test_a_text_download_streams_as_it_is_written(real_db, monkeypatch, tmp_path):
    """The response starts with the writer's first chunk, and the writer waits for the client: with
    chunks of 64 bytes and at most one queued, the body arrives in pieces (as the writer's text layer
    hands them on), which together are the command line's file."""
    monkeypatch.setattr(downloads, "CHUNK", 64)
    monkeypatch.setattr(downloads, "QUEUED", 1)
    from evidence.serve import app

    instance = app(real_db, ROOT / "metadata.yml")
    pieces: list[bytes] = []

    async def run() -> None:
        scope = {"type": "http", "method": "GET", "path": "/download/findings.csv", "raw_path": b"/download/findings.csv",
                 "query_string": b"", "headers": [], "http_version": "1.1", "scheme": "http",
                 "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": ""}

        async def receive():
            await asyncio.sleep(3600)

        async def send(message):
            if message["type"] == "http.response.body" and message.get("body"):
                pieces.append(message["body"])

        await instance.invoke_startup()
        await instance.app()(scope, receive, send)

    asyncio.run(run())
    assert len(pieces) > 3 and min(len(p) for p in pieces[:-1]) >= 64
    assert b"".join(pieces) == cli_bytes(real_db, tmp_path, "findings", "--format", "csv")


def test_a_writer_stops_when_the_client_goes_away():
    pipe = downloads.Pipe(None, None)  # type: ignore[arg-type]
    pipe.cancelled = True
    with pytest.raises(downloads.Cancelled):
        pipe.write(b"x" * downloads.CHUNK)


def test_the_data_page_lists_each_bibliography_once_as_the_one_file_it_is(site):
    page = site("/data").text
    for extension in ("bib", "ris"):
        links = re.findall(rf'href="/download/(\w+)\.{extension}"', page)
        assert len(links) == 1 and links[0] in ("findings", "sources", "economic_evaluations"), (extension, links)
        files = {site(f"/download/{table}.{extension}?condition=cancer").content
                 for table in ("findings", "sources", "economic_evaluations")}
        assert len(files) == 1  # why it is listed once: every table's is the same file
    for table in ("findings", "sources", "economic_evaluations"):  # every table's own formats stay listed
        assert f'href="/download/{table}.csv"' in page and f'href="/download/{table}.xlsx"' in page


def test_a_writers_error_before_its_first_chunk_is_a_400_with_the_command_lines_message(site, real_db):
    """The filter is checked as the writer starts: the streamed download waits for its first chunk."""
    response = site("/download/economic_evaluations.csv?certainty=low")
    assert response.status_code == 400
    assert response.text == "--certainty does not apply to the economic_evaluations table"
    result = CliRunner().invoke(cli, ["export", "economic_evaluations", "--certainty", "low", "--db", str(real_db)])
    assert result.exit_code == 1 and response.text in result.output


def test_a_response_that_takes_no_chunks_gives_its_writer_back(real_db, monkeypatch):
    """A streamed download whose response is never sent (or stops taking chunks) does not hold a writer
    for ever: after STALLED seconds without a chunk taken, the writer stops."""
    import time

    from evidence import exports
    from evidence.serve import app

    monkeypatch.setattr(downloads, "CHUNK", 64)
    monkeypatch.setattr(downloads, "QUEUED", 1)
    monkeypatch.setattr(downloads, "STALLED", 0.5)
    instance = app(real_db, ROOT / "metadata.yml")
    fmt = exports.find("table", "csv")

    async def abandoned() -> None:
        first, _ = await downloads.streamed(instance, fmt, "findings", {})
        assert first
        before = time.monotonic()
        while downloads.WRITERS.taken and time.monotonic() - before < 10:
            await asyncio.sleep(0.1)

    asyncio.run(abandoned())
    assert downloads.WRITERS.taken == 0


@pytest.mark.parametrize("query", ["&".join(f"p{i}=1" for i in range(500)), "condition=" + "x" * 9000,
                                   "&".join(f"_facet=c{i}" for i in range(50))])
def test_an_oversized_request_is_refused_before_any_other_wrapper_reads_it(real_db, monkeypatch, query):
    """The request limits wrap every other wrapper (the language's, the cache headers'): what they would
    parse of a refused request costs nothing."""
    from evidence.site import cache_headers, i18n

    def read(*args, **kwargs):
        raise AssertionError("another wrapper read the refused request")

    monkeypatch.setattr(i18n, "choose", read)
    monkeypatch.setattr(cache_headers, "choose", read)
    get = client_for(real_db)
    assert get(f"/evidence/findings?{query}").status_code in (400, 414)


def test_a_download_with_the_language_switch_is_the_same_file(site):
    """?lang=nl, which a reader may add to any address, is no filter: the same bytes, not a 400
    (walk-through, Dutch physician)."""
    dutch = site("/download/findings.csv?condition=cancer&lang=nl")
    assert dutch.status_code == 200 and dutch.content == site("/download/findings.csv?condition=cancer").content
    unknown = site("/download/findings.csv?condition=cancer&lang=xx")  # a language the site does not have
    assert unknown.status_code == 200 and unknown.content == dutch.content
    assert site("/download/findings.csv?nonsense=1").status_code == 400  # other unknown names stay an error


def test_a_download_reads_500_rows_at_a_time_and_threads_switch_every_half_millisecond(site, monkeypatch):
    """The README's figures for a page served during a whole-table download rest on these two settings:
    the writer reads 500 rows at a time (not the CLI's 5,000) and Python switches threads every 0.5 ms."""
    import sys

    from evidence.exports import tables

    sizes = []
    original = tables.chunks

    def recorded(rows, size=None):
        sizes.append(size or getattr(tables._chunking, "size", None) or tables.CHUNK_ROWS)
        return original(rows, size)

    monkeypatch.setattr(tables, "chunks", recorded)
    assert site("/download/findings.csv").status_code == 200
    assert sizes and set(sizes) == {500}
    assert sys.getswitchinterval() == 0.0005


def test_a_downloads_connection_takes_values_over_the_pages_limit(real_db):
    """The site's queries refuse values over request_limits.MAX_VALUE (100 KB); a download reads on a
    connection of its own without that cap, so a bibliography whose source ids make a bigger value (every
    source at 100k: 10,000 ids as one JSON parameter) is the whole file, not a 500."""
    import sqlite3

    from evidence.exports import references
    from evidence.serve import app
    from evidence.site import downloads, request_limits

    ids = [f"source-{i:06d}" for i in range(request_limits.MAX_VALUE // 10)]
    assert len(json.dumps(ids)) > request_limits.MAX_VALUE
    with downloads.connection(app(real_db, ROOT / "metadata.yml")) as conn:
        assert conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) > request_limits.MAX_VALUE
        assert list(references.entry_batches(conn, ids)) == []  # no such sources, and no "string or blob too big"
