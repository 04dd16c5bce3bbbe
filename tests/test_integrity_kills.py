"""A kill -9 at a random moment of an `export -o`, a `release` and an incremental build leaves every file as
it was or complete (issue 22): each writes through temporaries renamed when complete (files.Staged), the
release its database and both citation files in one staged commit."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from evidence import build as builder
from tests.conftest import ROOT

RUN = "import sys; from evidence.cli import main; sys.argv = ['evidence', *sys.argv[1:]]; main()"


def killed(args: list[str], cwd: Path, rng: random.Random) -> None:
    child = subprocess.Popen([sys.executable, "-c", RUN, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.2, 2.0))
    child.send_signal(signal.SIGKILL)
    child.wait()


def intact(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        return conn.execute("select content_hash from build_info").fetchone()[0]


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    for name in ("metadata.yml", "maintainers.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    builder.build(tmp_path / "data", tmp_path / "evidence.db")
    return tmp_path


def test_a_killed_export_leaves_the_old_file_or_the_whole_new_one(tmp_path):
    root, rng = project(tmp_path), random.Random(11)
    out = root / "findings.xlsx"
    subprocess.run([sys.executable, "-c", RUN, "export", "findings", "--format", "xlsx", "-o", "whole.xlsx"], cwd=root, check=True)
    whole = (root / "whole.xlsx").read_bytes()
    out.write_bytes(b"an earlier export\n")
    for _ in range(4):
        before = out.read_bytes()
        killed(["export", "findings", "--format", "xlsx", "-o", out.name], root, rng)
        assert out.read_bytes() in (before, whole)
    assert subprocess.run([sys.executable, "-c", RUN, "export", "findings", "--format", "xlsx", "-o", out.name],
                          cwd=root).returncode == 0 and out.read_bytes() == whole


def test_a_killed_release_leaves_each_file_as_it_was_or_complete(tmp_path):
    root, rng = project(tmp_path), random.Random(12)
    db = root / "evidence.db"
    old = {p: p.read_bytes() if p.exists() else None for p in (db, root / "CITATION.cff", root / ".zenodo.json")}
    expected = builder.quick_hash(root / "data", None)
    for _ in range(4):
        killed(["release", "2026.9", "--date", "2026-06-01"], root, rng)
        if db.read_bytes() != old[db]:  # the new database is complete, and its citation files renamed before it
            assert intact(db) == expected and "version: '2026.9'" in (root / "CITATION.cff").read_text()
        for path in (root / "CITATION.cff", root / ".zenodo.json"):
            if path.exists() and path.read_bytes() != old[path]:
                text = path.read_text()
                assert "2026.9" in text and (yaml.safe_load(text) if path.suffix == ".cff" else text.endswith("}\n"))
        intact(db)


def test_a_killed_incremental_build_leaves_the_old_database_or_the_new_one(tmp_path):
    root, rng = project(tmp_path), random.Random(13)
    db = root / "evidence.db"
    studies = root / "data" / "studies.yaml"
    for i in range(4):
        before = db.read_bytes()
        studies.write_text(studies.read_text().replace("Cited in the guideline module's Conclusies",
                                                       f"Cited ({i}) in the guideline module's Conclusies", 1)
                           if i == 0 else studies.read_text().replace(f"Cited ({i - 1})", f"Cited ({i})", 1))
        killed(["build"], root, rng)
        if db.read_bytes() != before:
            assert intact(db) == builder.quick_hash(root / "data", None)
        else:
            intact(db)
    log: list[str] = []
    builder.build(root / "data", db, log=log.append)  # the next build finishes the job and cleans up
    assert intact(db) == builder.quick_hash(root / "data", None) and not list(root.glob(".*.tmp"))
