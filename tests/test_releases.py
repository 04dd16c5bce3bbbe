"""Versioned releases: two releases of a test repository (made here, with git), then the second
release's changes page, Atom feed and a changed finding's history show exactly what changed."""

from __future__ import annotations

import json
import shutil
import subprocess

import feedparser
import jsonschema
import yaml
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT, client_for, query


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def release(version: str, date: str, *extra: str):
    result = CliRunner().invoke(cli, ["release", version, "--db", f"{version}.db", "--date", date,
                                      "--metadata", str(ROOT / "metadata.yml"), *extra])
    assert result.exit_code == 0, result.output
    return result


def test_two_releases_changes_feed_history_and_citation(project):
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    git("init", "-q")
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "start")
    git("add", "-A")
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "data")
    git("tag", "2026.1")
    release("2026.1", "2026-01-15")
    project.edit("certainty: low", "certainty: very_low")
    project.edit("statement: Work support may increase return to work.",
                 "statement: The evidence is very uncertain about the effect of work support on return to work.")
    project.edit("direction: benefit", "direction: uncertain")
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-am", "regrade")
    git("tag", "2026.2")
    release("2026.2", "2026-06-01", "--previous", "2026.1.db")

    db = project.root / "2026.2.db"
    assert query(db, "select release, released_at from build_info") == [("2026.2", "2026-06-01")]
    history = query(db, "select release, change, field, old, new from history where record_id = 'smith-2020-f1' order by id")
    assert history[0] == ("2026.1", "added", None, None, None)
    assert set(history[1:]) == {("2026.2", "changed", "certainty", "low", "very_low"),
                                ("2026.2", "changed", "direction", "benefit", "uncertain"),
                                ("2026.2", "changed", "statement", "Work support may increase return to work.",
                                 "The evidence is very uncertain about the effect of work support on return to work.")}
    # the release's own changes table: what changed since 2026.1, the three edits above and nothing else
    assert set(query(db, "select table_name, record_id, change, field, old, new from changes")) == {
        ("findings", "smith-2020-f1", change, field, old, new) for _, change, field, old, new in history[1:]}
    assert len(query(db, "select id from changes")) == 3

    get = client_for(db)
    page = get("/changes/2026.2").text
    assert "What changed in 2026.2" in page and "<strong>certainty</strong>: <del>low</del> → <ins>very_low</ins>" in page
    assert "<li>changed:" in page and "<li>added:" not in page and "<li>removed:" not in page
    feed = feedparser.parse(get("/changes.atom").text)
    assert not feed.bozo and [e.title for e in feed.entries] == ["Release 2026.2", "Release 2026.1"]
    assert feed.entries[0].summary == "0 added, 1 changed, 0 removed"
    assert get("/changes/2099.1").status_code == 404

    cff = yaml.safe_load((project.root / "CITATION.cff").read_text(encoding="utf-8"))
    # the Citation File Format 1.2.0 schema (citation-file-format.github.io, copied from cffconvert 2.0.0)
    schema = json.loads((ROOT / "tests" / "data" / "cff-1.2.0.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(cff, schema)
    assert cff["version"] == "2026.2" and cff["date-released"] == "2026-06-01"
    zenodo = json.loads((project.root / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["version"] == "2026.2" and zenodo["creators"] == [{"name": "Work participation evidence maintainers"}]


def test_the_same_data_and_tag_give_the_same_release_but_the_build_time(project):
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    release("2026.1", "2026-01-15")
    shutil.move("2026.1.db", "first.db")
    release("2026.1", "2026-01-15")
    tables = [r[0] for r in query(project.root / "first.db", "select name from sqlite_master where type = 'table' "
                                                             "and name not like '%fts%' and name != 'build_info'")]
    for table in tables:
        assert query(project.root / "first.db", f"select * from {table}") == query(project.root / "2026.1.db", f"select * from {table}"), table
    same = "select content_hash, release, released_at, row_counts from build_info"
    assert query(project.root / "first.db", same) == query(project.root / "2026.1.db", same)


def test_a_bad_version_or_date_is_refused(project):
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    result = CliRunner().invoke(cli, ["release", "a b", "--metadata", str(ROOT / "metadata.yml")])
    assert result.exit_code == 2 and "use letters and digits" in result.output
    result = CliRunner().invoke(cli, ["release", "1.0", "--date", "yesterday", "--metadata", str(ROOT / "metadata.yml")])
    assert result.exit_code == 2 and "is not a date" in result.output


def test_every_page_says_which_release_it_shows_and_condition_pages_what_is_new(project):
    shutil.copy(ROOT / "maintainers.yaml", project.root / "maintainers.yaml")
    result = CliRunner().invoke(cli, ["release", "2026.1", "--db", "evidence.db", "--date", "2026-01-15",
                                      "--metadata", str(ROOT / "metadata.yml")])
    assert result.exit_code == 0, result.output
    get = client_for(project.root / "evidence.db")
    for path in ("/", "/condition/cancer", "/evidence/findings/smith-2020-f1", "/gap-map"):
        page = get(path).text
        assert 'This is release <a href="/changes/2026.1">2026.1</a> (15 January 2026).' in page, path
        assert "Work participation evidence, release 2026.1, data version" in page, path
    dutch = get("/changes/2026.1?lang=nl").text  # the release's page in Dutch, the site's name once in its title
    assert "<title>Wat er veranderde in 2026.1 — Kennisbank arbeidsparticipatie</title>" in dutch
    assert "Uitgebracht op 15 januari 2026" in dutch and "What changed" not in dutch
    new = get("/condition/cancer").text.split("New since the last release")[1]
    assert 'href="/evidence/findings/smith-2020-f1"' in new.split("</section>")[0]
