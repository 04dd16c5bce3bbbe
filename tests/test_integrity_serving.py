"""Serving under a rebuild (issue 22, item 4): a running `evidence serve` answers pages and the database
download from the one build it started with, and says on standard error that it must restart to serve a
new one. A real server process: the rename happens under it as `evidence build` does it."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
    finally:
        server.terminate()
        _, err = server.communicate(timeout=20)
    assert (f"{db} was replaced by a new build; this server keeps serving the build it started with (pages and "
            "downloads alike): restart `evidence serve` to serve the new one") in err
