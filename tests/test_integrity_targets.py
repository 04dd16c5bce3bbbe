"""No command destroys a file (issue 22, item 1): build, release, export, forest, forest-csv and add share one
target check (files.check_target). An input (the data folder, the bibliography, metadata.yml,
maintainers.yaml, the file being read) or an existing SQLite, YAML or BibTeX file the command does not
write is refused with exit 1 before anything is read, and every file stays byte for byte as it was. A
FIFO is written to, never renamed over; `-o -` is standard output."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT, leftovers

CSV = "study,events_int,n_int,events_ctl,n_ctl\na,4,40,8,40\nb,6,50,9,50\n"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def built(project) -> Path:
    shutil.copy(ROOT / "metadata.yml", project.root / "metadata.yml")
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    (project.root / "trials.csv").write_text(CSV, encoding="utf-8")
    assert run("build").exit_code == 0
    return project.root / "evidence.db"


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.startswith(".evidence.db.lock")}


# the cases of issue 22, item 1, each with the reason the refusal gives
REFUSED = [
    (["export", "findings", "-o", "data/studies.yaml"], "it is inside the data folder data"),
    (["export", "bib", "-o", "data/references.bib"], "it is the bibliography"),
    (["export", "fhir", "-o", "metadata.yml"], "it is an input (metadata.yml)"),
    (["export", "ris", "-o", "maintainers.yaml"], "it is an input (maintainers.yaml)"),
    (["export", "sof", "-o", "evidence.db"], "it is the file being read"),
    (["export", "findings", "--format", "xlsx", "-o", "data/vocabulary/outcome.yaml"], "it is inside the data folder"),
    (["forest", "smith-2020-f1", "-o", "data/studies.yaml"], "it is inside the data folder data"),
    (["forest", "smith-2020-f1", "-o", "evidence.db"], "it is the file being read"),
    (["forest-csv", "trials.csv", "--measure", "RR", "-o", "trials.csv"], "it is the file being read"),
    (["forest-csv", "trials.csv", "--measure", "RR", "-o", "metadata.yml"], "it is an input (metadata.yml)"),
    (["build", "--db", "metadata.yml"], "it is an input (metadata.yml)"),
    (["build", "--changelog", "maintainers.yaml"], "it is an input (maintainers.yaml)"),
]


@pytest.mark.parametrize("args, reason", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_an_input_is_never_a_target(built, project, args, reason):
    before = snapshot(project.root)
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "refusing to write" in result.stderr and reason in result.stderr and "Traceback" not in result.output
    assert snapshot(project.root) == before and leftovers(project.root) == []


@pytest.mark.parametrize("name, content, kind", [
    ("other.db", None, "a SQLite database"),
    ("notes.yaml", b"a: 1\n", "a YAML file"),
    ("CITATION.cff", b"cff-version: 1.2.0\n", "a YAML file"),
    ("library.txt", b"@article{x, title={Mine}}\n", "a BibTeX file"),
    ("mine.bib", b"% my library\n", "a BibTeX file"),
])
def test_an_existing_file_of_another_kind_is_never_overwritten(built, project, name, content, kind):
    path = project.root / name
    if content is None:
        with sqlite3.connect(path) as conn:
            conn.execute("create table t (x)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    for args in (["export", "findings", "-o", name], ["export", "sof", "--format", "html", "-o", name],
                 ["forest", "smith-2020-f1", "-o", name],
                 ["forest-csv", "trials.csv", "--measure", "RR", "-o", name]):
        result = run(*args)
        assert result.exit_code == 1 and f"exists and is {kind}; refusing to overwrite it" in result.stderr, args
        assert path.read_bytes() == before


def test_a_bibtex_export_may_replace_a_bibtex_export_and_a_csv_export_a_csv(built, project):
    for args in (["export", "bib", "-o", "refs.bib"], ["export", "findings", "-o", "findings.csv"]):
        assert run(*args).exit_code == 0
        assert run(*args).exit_code == 0
    # the export's own file: its provenance @comment, then the entry
    refs = (project.root / "refs.bib").read_text()
    assert refs.startswith("@comment{Work participation evidence") and "\n@article{smith2020" in refs


def test_standard_output_stays(built, project):
    result = run("export", "findings", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("id,") and not (project.root / "-").exists()


def test_a_fifo_is_written_to_and_stays_a_fifo(built, project):
    fifo = project.root / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("export", "findings", "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received and received[0].startswith(b"id,")
    assert leftovers(project.root) == [] and not [n for n in os.listdir(project.root) if n.startswith(".pipe.")]


def test_a_character_device_is_written_to_not_replaced(built, project):
    # a private node of /dev/full's kind (every write fails with ENOSPC; never the system's own: as root a
    # rename would replace the node with a regular file, as the issue found)
    device = project.root / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root")
    result = run("export", "findings", "-o", str(device))
    assert result.exit_code == 1 and f"{device}: could not write (No space left on device)" in result.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode) and leftovers(project.root) == []


def test_a_database_is_never_written_to_a_fifo(built, project):
    os.mkfifo(project.root / "pipe.db")
    result = run("build", "--force", "--db", "pipe.db")
    assert result.exit_code == 1 and "pipe.db: is not a regular file" in result.stderr


def test_add_refuses_a_bibliography_that_is_a_database(built, project):
    (project.data / "references.bib").unlink()
    os.symlink(built, project.data / "references.bib")
    before = built.read_bytes()
    (project.root / "new.bib").write_text("@article{doe2021, author={Doe, Jo}, title={T}, year={2021}}\n")
    result = run("add", "new.bib")
    assert result.exit_code == 1 and "exists and is a SQLite database" in result.stderr, result.output
    assert built.read_bytes() == before and sorted(p.name for p in project.data.glob("*.yaml")) == ["studies.yaml"]
