"""Facts with one home (issue 23, item 2): the certainty wording GRADE expects and the published papers are
attributes of their terms, the download names fields of the export registry, the lists of tables roles of
one declaration (evidence/titles.py). Each reader is held to that home."""

import pytest

from tests.conftest import line_of


def test_what_the_curator_is_told_is_the_certainty_terms_wording():
    from evidence import grade
    from evidence.vocabulary import scales

    certainty = scales().terms("certainty")
    assert grade.EXPECTED == {level: term["wording"] for level, term in certainty.items()}
    # ../shared/grade-rules.md: moderate is "probably" or "likely", and not "very uncertain"
    assert certainty["moderate"]["wording_needs"] == ["probably or likely"]
    assert certainty["moderate"]["wording_excludes"] == ["the evidence is very uncertain"]
    assert set(grade.CUES) == {cue for term in certainty.values()
                               for cue in (term["wording_needs"] or []) + (term["wording_excludes"] or [])}


def test_a_certainty_without_its_wording_is_a_file_line_error(tmp_path, monkeypatch):
    from evidence import vocabulary
    from evidence.problems import EvidenceError

    text = vocabulary.SCALES.read_text(encoding="utf-8")
    broken = text.replace("    wording: \"'probably' or 'likely'\"\n", "", 1)
    assert broken != text
    path = tmp_path / "scales.yaml"
    path.write_text(broken, encoding="utf-8")
    monkeypatch.setattr(vocabulary, "SCALES", path)
    with pytest.raises(EvidenceError) as error:
        vocabulary.scales.__wrapped__()
    assert str(error.value) == (f"{path}:{line_of(broken, '  moderate:')}: certainty.moderate.wording: a certainty "
                                "needs its wording (what GRADE expects a statement to say)")


def test_a_cue_the_reader_does_not_know_is_a_file_line_error():
    from evidence.vocabulary import check_kind

    terms, problems = check_kind("certainty", {"high": {"name": "high", "name_nl": "hoog", "wording": "x",
                                                        "wording_excludes": ["perhaps"]}}, "s.yaml", lambda path: 3)
    assert [(p.field, p.line) for p in problems] == [("certainty.high.wording_excludes.0", 3)]


def test_the_published_papers_are_the_documents_marked_published(real_db):
    import sqlite3

    published = {r[0] for r in sqlite3.connect(real_db).execute(
        "select id from vocabulary where kind = 'document' and published")}
    assert published == {"published-facts.md"}


def test_a_download_is_called_by_its_format_title(site):
    from evidence import exports

    page = site("/data").text
    for fmt in exports.site_formats("findings"):
        assert f">{fmt.site_title}</a>" in page, fmt
    assert exports.site_title("xlsx") == "Excel (XLSX)" and exports.site_title("nothing") == "nothing"


def test_every_list_of_tables_is_a_role_of_the_one_declaration():
    from evidence import diff, provenance
    from evidence.exports import references, tables as table_exports
    from evidence.site import front_page, labels, precomputed_facets
    from evidence.titles import TABLES, tables, title

    assert diff.TABLES == ("sources", "findings", "economic_evaluations", "questions", "recommendations",
                           "considerations")  # the changelog's order, as before
    assert set(diff.SUMMARY_COLUMN) == set(diff.TABLES) and all(diff.SUMMARY_COLUMN.values())
    assert front_page.DATA_TABLES == tables("listed") and labels.RECORD_TABLES == tables("record")
    # the lists as they were written out before (the /data page now lists sources first, as the changelog does)
    assert set(labels.RECORD_TABLES) == {"findings", "economic_evaluations", "sources", "recommendations", "questions"}
    assert set(front_page.DATA_TABLES) == {"findings", "economic_evaluations", "sources", "recommendations",
                                           "considerations", "questions", "study_results", "conditions",
                                           "intervention_types", "outcomes", "vocabulary"}
    assert references.CITING_TABLES == table_exports.SITE_TABLES == tables("sourced") == (
        "sources", "findings", "economic_evaluations")
    assert precomputed_facets.COUNTED == tables("counted") == ("findings", "economic_evaluations")
    assert provenance.GUIDELINE_NESTED == tables("guideline") == ("recommendations", "considerations")
    assert len({t.name for t in TABLES}) == len(TABLES)
    assert title("questions") == "Guideline modules" and title("study_results") == "Study results"
    with pytest.raises(ValueError):
        tables("nothing")


def test_the_generated_columns_module_is_the_schemas():
    """evidence/columns.py (what the read layer, the exports and metadata.yml read, without SQLModel) is
    generated from evidence/schema.py; a field added to the schema and not regenerated fails here."""
    from pathlib import Path

    from evidence import columns, schema

    path = Path(columns.__file__)
    assert path.read_text(encoding="utf-8") == schema.columns_module(), \
        "evidence/columns.py is out of date: run `evidence metadata`"
    assert columns.COLUMNS["findings"][0] == ("id", "text") and ("effect", "float") in columns.COLUMNS["findings"]
    assert ("statement_translated", "boolean") in columns.COLUMNS["findings"]
    assert columns.PRIMARY_KEYS["study_results"] == ("finding_id", "position")
    assert columns.GRADE_DOMAINS == schema.GRADE_DOMAINS and columns.GRADE_UPGRADES == schema.GRADE_UPGRADES
    assert list(columns.COLUMNS) == [model.__tablename__ for model in schema.TABLES] == list(columns.DESCRIPTIONS)


def test_evidence_metadata_regenerates_a_stale_columns_module(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from evidence import metadata, schema
    from evidence.cli import cli

    stale = tmp_path / "columns.py"
    stale.write_text(schema.columns_module().replace("        ('effect', 'float'),\n", "", 1), encoding="utf-8")
    monkeypatch.setattr(metadata, "COLUMNS_FILE", stale)
    target = tmp_path / "metadata.yml"
    result = CliRunner().invoke(cli, ["metadata", "--metadata", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Updated evidence/columns.py from the schema",
                                          f"Updated the descriptions in {target}"]
    assert stale.read_text(encoding="utf-8") == schema.columns_module()
    assert "effect" in metadata.read(target)["databases"]["evidence"]["tables"]["findings"]["columns"]
    result = CliRunner().invoke(cli, ["metadata", "--metadata", str(target)])
    assert result.output.splitlines() == [f"Updated the descriptions in {target}"]
