"""Shared fixtures: a small valid project in a temporary folder, and the real data built once."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Callable

import pytest

from evidence import build as builder
from evidence import provenance

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

VALID = """\
- id: smith-2020
  citation_key: smith2020
  design: rct
  status: included
  findings:
    - id: f1
      condition: cancer
      population: adults with cancer
      intervention_type: vocational
      intervention: work support
      comparator: usual care
      outcome: return_to_work
      certainty: low
      direction: benefit
      statement: Work support may increase return to work.
      source_document: published-facts.md
      source_locator: p. 1
      quote: Work support may increase return to work.
"""

BIB = """\
@article{smith2020,
  author = {Smith, Jane and Jones, Bob},
  title = {A trial of work support},
  journal = {Journal of Work},
  year = {2020},
  doi = {10.1000/xyz123},
  pmid = {12345678},
}
"""


# A relative effect with its comparator risk (as published-facts.md prints de Boer 2024's physical
# interventions: RR 1.23 (1.08 to 1.39), 627 per 1000), for tests of absolute effects.
RR_WITH_COMPARATOR_RISK = (
    "      effect_measure: RR\n      effect: 1.23\n      ci_lower: 1.08\n      ci_upper: 1.39\n"
    "      effect_source_document: published-facts.md\n      effect_source_locator: p. 1\n"
    "      effect_quote: RR 1.23 (1.08 to 1.39)\n      comparator_risk: 627\n"
    "      comparator_risk_source_document: published-facts.md\n      comparator_risk_source_locator: p. 1\n"
    "      comparator_risk_quote: 627 per 1000\n"
)


class Project:
    """A throwaway project folder (the working directory during the test) with data/ and a bib."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.data.mkdir()
        shutil.copytree(ROOT / "data" / "vocabulary", self.data / "vocabulary")
        self.write("studies.yaml", VALID)
        self.write("references.bib", BIB)

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.data / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def edit(self, old: str, new: str, name: str = "studies.yaml") -> str:
        path = self.data / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle (to state expected FILE:LINE messages)."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "provenance: checks quotes against the source documents (see made_up_quotes)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under bench/mutation.py's site groups ($EVIDENCE_TEST_CACHE), the group's tests/test_mutation_*.py run first:
    they call the functions directly, so a mutant they catch costs no Datasette app's start-up."""
    if os.environ.get(CACHE):
        items.sort(key=lambda item: not item.path.name.startswith("test_mutation_"))


@pytest.fixture(autouse=True)
def made_up_quotes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Test data is made up, so its quotes are in no source document: validation's provenance check is
    off (EVIDENCE_DOCUMENTS=off) except in tests marked ``provenance``. The session's build of the real
    data (real_db, set up before this) checks every quote against ../shared."""
    if request.node.get_closest_marker("provenance") is None:
        monkeypatch.setenv(provenance.ENV, provenance.OFF)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


CACHE = "EVIDENCE_TEST_CACHE"  # a folder that keeps the fixtures' builds of data/ (bench/mutation.py's site groups)


def cached_build(name: str, db: Path, make: Callable[[], object]) -> Path:
    """``db`` built by ``make()``. With $EVIDENCE_TEST_CACHE set (bench/mutation.py, for the groups that mutate
    no build code, whose every mutant runs its tests in a new session), the first build is kept there under
    ``name`` and copied for the next sessions."""
    kept = Path(os.environ[CACHE]) / name if os.environ.get(CACHE) else None
    if kept is not None and kept.exists():
        shutil.copyfile(kept, db)
        return db
    make()
    if kept is not None:
        shutil.copyfile(db, kept.with_suffix(".tmp"))
        os.replace(kept.with_suffix(".tmp"), kept)
    return db


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own data/, built once into a temporary evidence.db."""
    db = tmp_path_factory.mktemp("real") / "evidence.db"
    return cached_build("real.db", db, lambda: builder.build(ROOT / "data", db))


def client_for(db: Path):
    """GET through Datasette's own test client, configured as `evidence serve` runs it."""
    import asyncio

    from evidence.serve import app

    datasette = app(db, ROOT / "metadata.yml")

    def get(path: str):
        return asyncio.run(datasette.client.get(path))

    return get


@pytest.fixture(scope="session")
def site(real_db):
    """The real data's site: ``site("/evidence/findings")`` returns the response."""
    return client_for(real_db)


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def leftovers(folder: Path) -> list[str]:
    """Temporary files a build may have left behind."""
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]
