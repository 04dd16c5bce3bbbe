"""Releases lose nothing (issue 22, items 2, 3 and 12): a build after a release keeps the release history;
a release checks every input before it builds and writes the database and both citation files in one
staged commit, so a failed release changes nothing; versions, dates, the previous release and the
maintainers file are checked with messages that name the file at fault."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence import releases
from evidence.cli import cli
from tests.conftest import ROOT, client_for, leftovers, query


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def release(version: str, date: str, *extra: str):
    return run("release", version, "--date", date, "--metadata", str(ROOT / "metadata.yml"), *extra)


@pytest.fixture
def released(project) -> Path:
    """Release 2026.1 (as 2026.1.db), then 2026.2 (as evidence.db) with one changed finding."""
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    assert release("2026.1", "2026-01-15", "--db", "2026.1.db").exit_code == 0
    project.edit("comparator: usual care", "comparator: usual care alone")
    result = release("2026.2", "2026-03-01", "--previous", "2026.1.db")
    assert result.exit_code == 0, result.output
    return project.root / "evidence.db"


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".lock" not in p.name}


# --- item 2: a build after a release ------------------------------------------------------------------


def test_a_build_after_a_release_keeps_its_history(released, project):
    history = query(released, "select * from history order by id")
    assert [r[0] for r in query(released, "select distinct release from history order by release")] == ["2026.1", "2026.2"]
    project.edit("population: adults with cancer", "population: adults with any cancer")  # the README's edit loop
    for args in (["build"], ["build", "--force"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert query(released, "select * from history order by id") == history, args
        assert query(released, "select release from build_info") == [(None,)]  # a build is not a release
    get = client_for(released)
    page = get("/changes").text
    assert "no release history yet" not in page and 'href="/changes/2026.2"' in page
    assert "What changed in 2026.2" in get("/changes/2026.2").text
    assert "<title>Release 2026.2</title>" in get("/changes.atom").text


# --- item 3: all or nothing ---------------------------------------------------------------------------


@pytest.mark.parametrize("setup, args, message", [
    (lambda root: (root / "bad.yml").write_text("title: [\n"), ["--metadata", "bad.yml"], "bad.yml:2:"),
    (lambda root: (root / "bin.yml").write_bytes(b"\xff\xfe\x00binary"), ["--metadata", "bin.yml"],
     "bin.yml: not UTF-8 text"),
    (lambda root: (root / "list.yml").write_text("- a\n"), ["--metadata", "list.yml"], "list.yml: expected a YAML mapping"),
    (lambda root: None, ["--citation-dir", "missing"], "missing: the folder for CITATION.cff and .zenodo.json does not exist"),
    (lambda root: (root / "maintainers.yaml").write_text("- name: a\n  name: b\n"), [], "maintainers.yaml:2: found duplicate key"),
    (lambda root: (root / "x.db").write_text("not a database\n"), ["--previous", "x.db"],
     "x.db: --previous is not a release database"),
])
def test_a_release_with_a_bad_input_changes_nothing(released, project, setup, args, message):
    project.edit("population: adults with cancer", "population: adults with any cancer")
    setup(project.root)
    before = snapshot(project.root)
    result = run("release", "2026.3", "--date", "2026-06-01", "--metadata", str(ROOT / "metadata.yml"), *args)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert "Traceback" not in result.output
    assert snapshot(project.root) == before and leftovers(project.root) == []


def test_a_full_disk_while_writing_the_citation_changes_nothing(released, project, monkeypatch):
    project.edit("population: adults with cancer", "population: adults with any cancer")
    before = snapshot(project.root)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(releases, "zenodo_json", full)
    result = run("release", "2026.3", "--date", "2026-06-01", "--metadata", str(ROOT / "metadata.yml"))
    assert result.exit_code == 1 and ".zenodo.json: could not write (No space left on device)" in result.stderr
    assert snapshot(project.root) == before and leftovers(project.root) == []


def test_a_release_writes_the_database_and_both_citation_files(released, project):
    cff = (project.root / "CITATION.cff").read_text()
    assert "version: '2026.2'" in cff and "date-released: '2026-03-01'" in cff
    assert query(released, "select content_hash from build_info")[0][0] in cff
    assert '"version": "2026.2"' in (project.root / ".zenodo.json").read_text()


# --- item 12: versions, dates, the previous release, the maintainers ---------------------------------


@pytest.mark.parametrize("version", ["1..0", "1.0+", ".1", "1.0-", "a b", "x" * 41])
def test_a_malformed_version_is_refused(project, version):
    result = release(version, "2026-06-01")
    assert result.exit_code == 2 and "use letters and digits in parts joined by one" in result.output


@pytest.mark.parametrize("date", ["20260301", "2026-W09-1", "2026-02-30", "yesterday", "2026-3-1"])
def test_a_date_that_is_not_yyyy_mm_dd_is_refused(project, date):
    result = release("2026.1", date)
    assert result.exit_code == 2 and f"'{date}' is not a date (YYYY-MM-DD)" in result.output


def test_a_release_must_follow_the_previous_one(released, project):
    before = snapshot(project.root)
    result = release("2026.1", "2026-06-01", "--previous", "2026.1.db", "--db", "new.db")
    assert result.exit_code == 1 and "2026.1.db: --previous is release 2026.1 already" in result.stderr
    result = release("2026.3", "2026-01-01", "--previous", "evidence.db", "--db", "new.db")
    assert result.exit_code == 1 and ("evidence.db: --previous was released on 2026-03-01, after 2026-01-01; "
                                      "give a later --date") in result.stderr
    assert snapshot(project.root) == before


def test_a_build_given_as_previous_is_named(project):
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    assert run("build", "--db", "plain.db").exit_code == 0
    result = release("2026.1", "2026-01-01", "--previous", "plain.db")
    assert result.exit_code == 1 and "plain.db: --previous is not a release (build it with `evidence release`)" in result.stderr


@pytest.mark.parametrize("text, message", [
    ("- family-names: Doe\n  given-names: Jo\n  nickname: JD\n", "maintainers.yaml:1: unknown field 'nickname'"),
    ("- family-names: Doe\n  orcid: 0000-0002-1825-0097\n",
     "maintainers.yaml:1: orcid: '0000-0002-1825-0097' is not an ORCID"),
    ("- name: a\n- family-names: \"Doe\\nversion: 9\"\n", "maintainers.yaml:2: family-names: one line of text is needed"),
    ("- given-names: Jo\n", "maintainers.yaml:1: an author needs family-names (a person) or name (an entity)"),
    ("- family-names: Doe\n  family-names: Roe\n", "maintainers.yaml:2: found duplicate key 'family-names'"),
    ("- family-names: 12\n", "maintainers.yaml:1: family-names: one line of text is needed, got 12"),
])
def test_the_maintainers_file_is_validated(project, text, message):
    (project.root / "maintainers.yaml").write_text(text, encoding="utf-8")
    result = release("2026.1", "2026-01-01")
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert not (project.root / "evidence.db").exists() and not (project.root / "CITATION.cff").exists()


def test_a_valid_orcid_passes(project):
    (project.root / "maintainers.yaml").write_text(
        "- family-names: Carberry\n  given-names: Josiah\n  orcid: https://orcid.org/0000-0002-1825-0097\n")
    assert release("2026.1", "2026-01-01").exit_code == 0
