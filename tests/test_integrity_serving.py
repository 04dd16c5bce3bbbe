"""Serving (issue 22, items 4, 6, 7, 9). Under a rebuild a running `evidence serve` answers pages and the
database download from the one build it started with, and says on standard error that it must restart to
serve a new one (a real server process: the rename happens under it as `evidence build` does it; the same
server closes connections that never finish their headers). What a request can make the server do:
printf widths, 400s instead of 500s, debug pages off, an Atom feed that never takes the Host header."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read()


def hash_of(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("select content_hash from build_info").fetchone()[0]


def test_pages_and_downloads_come_from_the_build_the_server_started_with(project):
    shutil.copy(ROOT / "metadata.yml", project.root / "metadata.yml")
    db = project.root / "evidence.db"
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    first = hash_of(db)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "evidence.cli", "serve", "--port", str(port)], cwd=project.root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                fetch(base + "/-/versions.json")
                break
            except OSError:
                time.sleep(0.2)
        slow = []  # slowloris: connections that send part of their headers, then nothing
        for _ in range(20):
            conn = socket.create_connection(("127.0.0.1", port), timeout=30)
            conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(conn)
        opened = time.monotonic()
        project.edit("population: adults with cancer", "population: adults with any cancer")
        assert CliRunner().invoke(cli, ["build"]).exit_code == 0
        assert hash_of(db) != first  # a new build is on disk, renamed over the served file
        time.sleep(2.1)  # the server looks for a new build every 2 s
        page = fetch(base + "/evidence/build_info.json?_shape=array").decode()
        finding = fetch(base + "/evidence/findings/smith-2020-f1.json?_shape=array").decode()
        download = project.root / "downloaded.db"
        download.write_bytes(fetch(base + "/evidence.db"))
        assert first in page and hash_of(download) == first
        assert "adults with cancer" in finding and "any cancer" not in finding
        for conn in slow:  # closed by the server HEADER_TIMEOUT (10 s) after they opened: recv gives b""
            conn.settimeout(max(1.0, opened + 25 - time.monotonic()))
            assert conn.recv(100) == b""
            conn.close()
        assert time.monotonic() - opened < 25
    finally:
        server.terminate()
        _, err = server.communicate(timeout=20)
    assert (f"{db} was replaced by a new build; this server keeps serving the build it started with (pages and "
            "downloads alike): restart `evidence serve` to serve the new one") in err
    # the pin (a hard link beside the database, not a link SQLite would resolve to "evidence.db (deleted)")
    # is gone when the server stops, and nothing was created under the old file's name
    assert not list(project.root.glob(".evidence-serving-*")) and not list(project.root.glob("* (deleted)"))


# --- items 6, 7 and 9: what a request can make the server do (evidence/site/request_limits.py) ---------


def client(db: Path, metadata: Path = ROOT / "metadata.yml"):
    import asyncio

    from evidence.serve import app

    datasette = app(db, metadata)

    def get(path: str, **headers: str):
        return asyncio.run(datasette.client.get(path, headers=headers))

    return get


def sql(query: str) -> str:
    from urllib.parse import urlencode

    return "/evidence.json?" + urlencode({"sql": query})


def test_a_huge_printf_width_is_refused_before_it_runs(real_db):
    get = client(real_db)
    for query in ("select length(printf('%.*c', 2147483647, 'x'))", "select length(format('%2147483647d', 1))",
                  "select length(printf('%!.*c', (select 2147483647), 'x'))", "select printf('%5s|%.*c', 'a', 100001, 'x')"):
        started = time.monotonic()
        response = get(sql(query))
        assert response.status_code == 400 and response.json()["error"] == "string or blob too big"
        assert time.monotonic() - started < 2, query  # was 2-9 s, out of reach of the time limit
    # printf as SQLite runs it otherwise (SQLite's documented conversions), with NULL and blob arguments
    row = get(sql("select printf('%5.2f|%-4d|%s|%%|%.*c|%q', 3.14159, 7, null, 3, 'x', 'it''s'), format('%d', 5)"))
    assert row.json()["rows"] == [[" 3.14|7   ||%|xxx|it''s", "5"]]


NOT_500 = [
    ("/search?q=%00", "A query parameter contains a NUL character."),
    ("/search.json?q=%00", "A query parameter contains a NUL character."),
    ("/search?q=" + "+OR+".join(["a*"] * 120), "Search text too long: at most 500 characters."),
    ("/evidence/findings?_search=%00", "A query parameter contains a NUL character."),
]


@pytest.mark.parametrize("path, message", NOT_500)
def test_bad_requests_are_400_with_a_message(real_db, path, message):
    response = client(real_db)(path)
    assert (response.status_code, response.text) == (400, message + "\n")


@pytest.mark.parametrize("path, message", [
    ("/evidence/findings?_sort=nosuch", "Cannot sort table by nosuch"),
    ("/evidence/findings.json?_sort_desc=nosuch", "Cannot sort table by nosuch"),
    ("/evidence/findings.json?_where=1;delete+from+findings", "You can only execute one statement at a time."),
    ("/evidence/findings?_where=1;delete+from+findings", "You can only execute one statement at a time."),
])
def test_errors_a_request_makes_are_400_on_the_error_page(real_db, path, message):
    response = client(real_db)(path)
    assert response.status_code == 400, response.text[:300]
    if ".json" in path:
        assert response.json()["error"].startswith(message)
    else:
        assert "Error 400" in response.text and message in response.text


def test_many_search_terms_within_the_limit_are_served(real_db):
    response = client(real_db)("/search?q=" + "+OR+".join(["a*"] * 80))
    assert response.status_code == 200 and "<title>Search" in response.text


@pytest.mark.parametrize("page", ["/-/threads", "/-/allow-debug", "/-/messages", "/-/actor.json", "/-/permissions",
                                  "/-/plugins.json", "/-/settings", "/-/databases.json", "/-/patterns"])
def test_debug_pages_are_off(real_db, page):
    response = client(real_db)(page)
    assert (response.status_code, response.text) == (404, "Not found.\n")


def test_pages_the_site_links_to_stay(real_db):
    get = client(real_db)
    assert get("/-/metadata").status_code == 200  # linked from data pages: "Column descriptions (metadata)"
    assert get("/-/versions.json").json()["datasette"]["version"]


def test_the_atom_feed_names_no_host_from_the_request(project):
    import shutil as sh

    import feedparser
    import yaml

    sh.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    assert CliRunner().invoke(cli, ["release", "2026.1", "--date", "2026-01-15", "--metadata", str(ROOT / "metadata.yml")]).exit_code == 0
    db = project.root / "evidence.db"
    feed = client(db)("/changes.atom", host="evil.example").text
    assert "evil.example" not in feed
    parsed = feedparser.parse(feed)
    assert parsed.entries[0].link.endswith("/changes/2026.1") and parsed.entries[0].id == "urn:x-work-participation-evidence/changes/2026.1"
    meta = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    meta.setdefault("plugins", {}).setdefault("evidence", {})["site_url"] = "https://evidence.example.org/"
    (project.root / "site.yml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    feed = feedparser.parse(client(db, project.root / "site.yml")("/changes.atom", host="evil.example").text)
    assert feed.entries[0].link == "https://evidence.example.org/changes/2026.1" == feed.entries[0].id
    assert feed.feed.id == "https://evidence.example.org/changes.atom"
