"""Faults planted in evidence/releases.py that its other tests let through (bench/mutation.py, group
releases): the version's length limit, a release on its predecessor's date, what a refused --previous
says, the history's ids across releases, and the citation text."""

from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner

from evidence import releases
from evidence.cli import cli
from evidence.problems import EvidenceError
from tests.conftest import ROOT, query


def test_a_version_of_forty_characters_is_the_longest():
    assert releases.version_problem("1" * 40) is None
    assert releases.version_problem("1" * 41).endswith("at most 40 characters")


def test_a_release_may_have_its_predecessors_date_but_not_its_version(tmp_path):
    last = {"release": "2026.1", "released_at": "2026-01-15"}
    releases.check_follows("2026.2", "2026-01-15", last, tmp_path / "old.db")
    with pytest.raises(EvidenceError) as refused:
        releases.check_follows("2026.1", "2026-02-01", last, tmp_path / "old.db")
    assert str(refused.value) == (f"{tmp_path / 'old.db'}: --previous is release 2026.1 already; give the new release "
                                  "another version; nothing was written")


def release(version: str, date: str, *extra: str) -> None:
    result = CliRunner().invoke(cli, ["release", version, "--db", f"{version}.db", "--date", date,
                                      "--metadata", str(ROOT / "metadata.yml"), *extra])
    assert result.exit_code == 0, result.output


def test_a_plain_build_as_previous_is_named_and_refused(project):
    assert CliRunner().invoke(cli, ["build", "--db", "plain.db"]).exit_code == 0
    with pytest.raises(EvidenceError) as refused:
        releases.previous_info(project.root / "plain.db")
    assert str(refused.value) == (f"{project.root / 'plain.db'}: --previous is not a release (build it with "
                                  "`evidence release`); nothing was written")


def test_history_ids_run_on_from_one_across_releases(project):
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    release("2026.1", "2026-01-15")
    project.edit("certainty: low", "certainty: very_low")
    project.edit("statement: Work support may increase return to work.",
                 "statement: The evidence is very uncertain about the effect of work support on return to work.")
    project.edit("direction: benefit", "direction: uncertain")
    release("2026.2", "2026-06-01", "--previous", "2026.1.db")
    assert releases.previous_info(project.root / "2026.2.db") == {"release": "2026.2", "released_at": "2026-06-01"}
    ids = [i for (i,) in query(project.root / "2026.2.db", "select id from history order by id")]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) > 2
    first = [i for (i,) in query(project.root / "2026.1.db", "select id from history order by id")]
    assert ids[:len(first)] == first


def test_the_citation_says_what_to_cite_and_what_the_data_is():
    cff = yaml.safe_load(releases.citation_cff({}, [{"name": "Maintainers"}], "2026.1", "2026-01-15", "ab" * 32))
    assert cff["message"].startswith("If you use this database") and cff["message"].endswith("the version you used.")
    assert cff["abstract"].startswith("Open evidence database on interventions")
    assert "GRADE-rated findings" in cff["abstract"] and cff["abstract"].endswith("traceable to a verbatim quote in its source.")


def test_what_a_bad_maintainers_file_says(tmp_path):
    path = tmp_path / "maintainers.yaml"
    path.write_bytes(b"- name: \xff\n")
    with pytest.raises(EvidenceError) as e:
        releases.maintainers(path)
    assert str(e.value) == f"{path}: not UTF-8 text"
    path.write_text("- name: A\n  nickname: a\n- given-names: B\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as e:
        releases.maintainers(path)
    assert str(e.value).split("\n") == [
        f"{path}:1: unknown field 'nickname' (Citation File Format author fields: {', '.join(releases.AUTHOR_FIELDS)})",
        f"{path}:3: an author needs family-names (a person) or name (an entity)"]
