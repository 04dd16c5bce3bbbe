"""`evidence add`: scaffolding a source from BibTeX, de-duplication, validation and undo."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evidence.build import check
from evidence.cli import cli
from evidence.scaffold import slug

NEW = "@article{jones2023,\n  author = {Jones, Ann and Li, B.},\n  title = {Work-focused therapy},\n  year = {2023},\n  doi = {10.1000/new.1},\n}\n"


def add(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["add", *args], input=stdin)


def test_add_writes_a_stub_and_the_reference_and_validates(project):
    (project.root / "new.bib").write_text(NEW)
    result = add("new.bib", "--data", "data")
    assert result.exit_code == 0, result.output
    stub = (project.data / "jones-2023.yaml").read_text()
    assert "- id: jones-2023\n  citation_key: jones2023\n  design: unknown\n  status: awaiting_classification" in stub
    assert "#   - id: f1" in stub  # the commented findings template
    assert "@article{jones2023," in (project.data / "references.bib").read_text()
    _, report, _ = check(Path("data"))
    assert report.problems == []


def test_add_from_standard_input_with_a_condition(project):
    result = add("-", "--condition", "cancer", stdin=NEW)
    assert result.exit_code == 0, result.output
    assert "conditions: [cancer]" in (project.data / "jones-2023.yaml").read_text()


def test_same_key_or_doi_is_not_appended_twice(project):
    bib = project.data / "references.bib"
    bib.write_text(bib.read_text() + "\n" + NEW)
    before = bib.read_text()
    same_doi = NEW.replace("jones2023", "jones_again")
    result = add("-", stdin=same_doi)
    assert result.exit_code == 0, result.output
    assert bib.read_text() == before
    assert "citation_key: jones2023" in (project.data / "jones-2023.yaml").read_text()


def test_an_already_curated_reference_is_refused(project):
    result = add("-", stdin="@article{x, author = {Smith, J.}, year = {2020}, doi = {10.1000/xyz123}}\n")
    assert result.exit_code == 1 and "already curated (citation key smith2020" in result.output


def test_source_ids_stay_unique(project):
    result = add("-", stdin="@article{smith2020b, author = {Smith, Jane}, year = {2020}, title = {Second}}\n")
    assert result.exit_code == 0, result.output
    assert (project.data / "smith-2020b.yaml").exists()


def test_malformed_bibtex_is_reported_and_nothing_is_written(project):
    before = sorted(p.name for p in project.data.iterdir())
    bib_before = (project.data / "references.bib").read_text()
    result = add("-", stdin="@article{broken,\n  title = {Unclosed\n")
    assert result.exit_code == 1 and "<stdin>:1: malformed BibTeX entry" in result.output
    assert sorted(p.name for p in project.data.iterdir()) == before
    assert (project.data / "references.bib").read_text() == bib_before


def test_an_invalid_stub_is_undone(project):
    bib_before = (project.data / "references.bib").read_text()
    result = add("-", "--condition", "not_a_condition", stdin=NEW)
    assert result.exit_code == 1 and "'not_a_condition' is not a known condition" in result.output
    assert not (project.data / "jones-2023.yaml").exists()
    assert (project.data / "references.bib").read_text() == bib_before


def test_slug():
    assert slug("de Boer 2024") == "de-boer-2024" and slug("van Bülow 2021") == "van-bulow-2021"
