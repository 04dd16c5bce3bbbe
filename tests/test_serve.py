"""Datasette serving the built database, through datasette.client and `datasette --get`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence.cli import cli
from evidence.serve import app, serve_args
from tests.oracle_counts import counted_per_condition
from tests.conftest import ROOT, query
from tests.test_integrity_serving import fetch, free_port, hash_of

METADATA = ROOT / "metadata.yml"


@pytest.fixture(scope="module")
def get(site):
    return site


def test_condition_facet_counts_equal_sql_counts(real_db, get):
    response = get("/evidence/findings.json?_facet=condition&_size=0")
    assert response.status_code == 200
    facet = response.json()["facet_results"]["condition"]
    assert not facet["truncated"]
    counts = {item["value"]: item["count"] for item in facet["results"]}
    assert counts == counted_per_condition(real_db)  # counted once, narrower conditions rolled up
    assert counts["traumatic_brain_injury"] >= 4


def test_every_configured_facet_is_returned(get):
    response = get("/evidence/findings.json?_size=0")
    assert set(response.json()["facet_results"]) == {"condition", "certainty", "intervention_type", "outcome", "source_design"}


def test_search_returns_hits(real_db, get):
    rows = get("/evidence/findings.json?_search=rehabilitation&_shape=array").json()
    expected = query(real_db, "select count(*) from findings_fts where findings_fts match 'rehabilitation'")[0][0]
    assert len(rows) == expected > 0
    indexed = {i: " ".join(map(str, t)).lower() for i, *t in query(real_db, "select f.id, s.* from search_findings s "
                                                                       "join findings f on f.rowid = s.rid")}
    assert all("rehabilitation" in indexed[r["id"]] for r in rows)  # its text, or its terms' names and synonyms


def test_foreign_keys_display_as_labels(get):
    rows = get("/evidence/findings.json?_shape=array&_labels=on&condition=traumatic_brain_injury").json()
    assert rows[0]["condition"] == {"value": "traumatic_brain_injury", "label": "traumatic brain injury (traumatisch hersenletsel)"}
    assert rows[0]["intervention_type"]["label"] == "cognitive rehabilitation (cognitieve revalidatie)"
    assert rows[0]["source_id"]["label"] == "Kumar 2017"


def test_served_read_only(get):
    response = get("/evidence.json?sql=" + "delete from findings")
    assert response.status_code == 400


def test_settings_come_from_metadata(real_db):
    datasette = app(real_db, METADATA)
    assert datasette.setting("sql_time_limit_ms") == 1000
    args = serve_args(real_db, METADATA, "127.0.0.1", 8001)
    assert args[:3] == ["serve", "-i", str(real_db)]
    triples = [args[i:i + 3] for i, a in enumerate(args) if a == "--setting"]
    from evidence.metadata import read

    assert {t[1]: t[2] for t in triples} == {k: str(v) for k, v in read(METADATA)["settings"].items()}


def test_datasette_get_smoke(real_db):
    result = subprocess.run(
        [sys.executable, "-m", "datasette", str(real_db), "-m", str(METADATA), "--get", "/evidence/findings.json?_shape=array&_size=1"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert '"id":' in result.stdout


# --- `evidence serve --workers N`: processes sharing one port, all serving the build the server pinned ----


def children(pid: int) -> list[int]:
    """The worker processes of a server (uvicorn's spawned children; not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def started(project, workers: int):
    shutil.copy(ROOT / "metadata.yml", project.root / "metadata.yml")
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "evidence.cli", "serve", "--port", str(port), "--workers",
                               str(workers)], cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    for _ in range(300):
        try:
            fetch(f"http://127.0.0.1:{port}/-/versions.json")
            break
        except OSError:
            assert server.poll() is None, server.communicate()[1]
            time.sleep(0.2)
    return server, f"http://127.0.0.1:{port}"


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the workers from /proc")


@needs_proc
@pytest.mark.parametrize("workers", [1, 3])
def test_every_worker_serves_the_pinned_build_and_stops_with_the_server(project, workers):
    db = project.root / "evidence.db"
    server, base = started(project, workers)
    try:
        first = hash_of(db)
        pinned = project.root / f".evidence-serving-{server.pid}" / "evidence.db"
        assert os.path.samefile(pinned, db)
        pids = children(server.pid) if workers > 1 else [server.pid]
        assert len(pids) == workers
        for pid in pids if workers > 1 else []:  # each worker process was handed the pinned name, not the database's
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            serving = [v.split(b"=", 1)[1] for v in environ if v.startswith(b"EVIDENCE_SERVING=")]
            assert serving and json.loads(serving[0])[0] == str(pinned)
        page = fetch(base + "/evidence/findings/smith-2020-f1").decode()
        assert "<h1" in page and "adults with cancer" in page  # a page renders its content
        project.edit("population: adults with cancer", "population: adults with any cancer")
        assert CliRunner().invoke(cli, ["build"]).exit_code == 0
        assert hash_of(db) != first
        with ThreadPoolExecutor(8) as pool:  # fresh connections, answered by whichever worker takes each
            answers = list(pool.map(fetch, [base + "/evidence/findings/smith-2020-f1.json?_shape=array"] * 24
                                    + [base + "/evidence/build_info.json?_shape=array"] * 24))
        assert all("adults with cancer" in a.decode() and "any cancer" not in a.decode() for a in answers[:24])
        assert all(first in a.decode() for a in answers[24:])
        for pid in pids:  # whatever database file a worker has open is the pinned build
            opened = {os.path.realpath(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
            assert str(db) not in opened
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert server.returncode in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
    assert not any(running(pid) for pid in pids)
    assert not list(project.root.glob(".evidence-serving-*"))


@needs_proc
def test_workers_stop_when_the_server_is_killed(project):
    server, base = started(project, 2)
    pids = children(server.pid)
    assert len(pids) == 2
    server.kill()
    server.wait(timeout=10)
    deadline = time.monotonic() + 20
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if running(pid)]
    for pid in left:  # the test's own clean-up when it fails: no worker outlives it
        os.kill(pid, signal.SIGKILL)
    assert not left
    with pytest.raises(OSError):
        fetch(base + "/-/versions.json")


def test_the_default_is_a_worker_per_core_at_most_four(monkeypatch):
    from evidence import serve

    for cores, workers in ((1, 1), (2, 2), (4, 4), (64, serve.MAX_WORKERS)):
        monkeypatch.setattr(serve.os, "sched_getaffinity", lambda _, n=cores: set(range(n)), raising=False)
        assert serve.default_workers() == workers
    assert serve.MAX_WORKERS == 4


def test_a_file_sqlite_cannot_read_is_an_error_before_the_server_listens(project):
    (project.root / "evidence.db").write_text("not a database\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--data", "none", "--port", str(free_port())])
    assert result.exit_code == 1
    assert result.stderr == "Error: evidence.db: cannot be served: file is not a database\n"
    assert not list(project.root.glob(".evidence-serving-*"))


@pytest.mark.parametrize("filters", ["condition=traumatic_brain_injury", "certainty=low",
                                     "condition=traumatic_brain_injury&certainty=low", "certainty=low&condition=cancer"])
def test_a_filtered_page_reads_its_most_certain_rows_from_an_index(real_db, get, filters):
    """The table page's rows query (most certain first, site/table_pages.py) under a condition or certainty
    filter: its first rows in order from an index, not every match sorted in a temporary B-tree."""
    page = get(f"/evidence/findings.json?{filters}&_sort_desc=certainty_rank").json()
    plan = query(real_db, "explain query plan " + page["query"]["sql"], page["query"]["params"])
    details = [row[3] for row in plan]
    assert not any("TEMP B-TREE" in d for d in details), details
    assert any("_most_certain" in d for d in details), details


def test_a_busy_worker_hands_its_connections_back():
    """Connection: close on a response sent while the worker has another request in hand, and only then: the
    client's next request goes to whichever worker accepts it first (evidence.serve.handing_back)."""
    import asyncio

    from evidence.serve import handing_back

    async def scenario():
        release = asyncio.Event()

        async def served(scope, receive, send):
            if scope["path"] == "/slow":
                await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"ok"})

        balanced = handing_back(served)

        async def request(path):
            sent = []

            async def send(message):
                sent.append(message)

            await balanced({"type": "http", "path": path}, None, send)
            return dict(sent[0]["headers"])

        alone = await request("/")
        slow = asyncio.create_task(request("/slow"))
        await asyncio.sleep(0)
        beside = await request("/")
        release.set()
        last = await slow
        after = await request("/")
        other = []  # not an HTTP request: passed through as it is, even while the slow one is in hand
        release.clear()
        slow = asyncio.create_task(request("/slow"))
        await asyncio.sleep(0)

        async def collect(message):
            other.append(message)

        await balanced({"type": "websocket", "path": "/"}, None, collect)
        release.set()
        await slow
        return alone, beside, last, after, other

    alone, beside, last, after, other = asyncio.run(scenario())
    assert alone == after == last == {b"content-type": b"text/plain"}
    assert beside == {b"content-type": b"text/plain", b"connection": b"close"}
    assert dict(other[0]["headers"]) == {b"content-type": b"text/plain"}
