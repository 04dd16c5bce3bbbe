"""Summary-of-Findings tables: layout, symbols, footnotes for downgrades, escaping."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.cli import cli
from evidence.read import connect
from evidence.exports.sof import render, tables
from tests.conftest import RR_WITH_COMPARATOR_RISK, query


def test_one_table_per_comparison_with_every_finding(real_db):
    with connect(real_db) as conn:
        result = tables(conn, {"condition": ["traumatic_brain_injury", "cancer"]})
    assert [t.group for t in result] == sorted(t.group for t in result)  # cancer first, then traumatic brain injury
    # an overview counts each result once: a finding that repeats another's result is left out
    assert sum(len(t.rows) for t in result) == query(
        real_db, "select count(*) from findings where condition in ('traumatic_brain_injury', 'cancer') "
                 "and same_result_as is null")[0][0]
    comparisons = query(real_db, "select count(distinct condition || intervention || coalesce(comparator, '') || population) "
                                 "from findings where condition in ('traumatic_brain_injury', 'cancer') "
                                 "and same_result_as is null")[0][0]
    assert len(result) == comparisons
    for table in result:  # every row of a table is the same comparison
        ids = [r.id for r in table.rows]
        assert len(set(query(real_db, f"select intervention, comparator from findings where id in ({','.join('?' * len(ids))})",
                             tuple(ids)))) == 1


def test_markdown_layout_in_gradepro_column_order(real_db):
    text = CliRunner().invoke(cli, ["sof", "--db", str(real_db), "--condition", "traumatic_brain_injury"]).stdout
    # GRADEpro's spanning header, which Markdown cannot span, is in each of the two risk columns' headers
    assert ("| Outcomes | Anticipated absolute effects (95% CI): risk with comparator | Anticipated absolute effects "
            "(95% CI): risk with intervention* | Relative effect (95% CI) | "
            "№ of participants (studies) | Certainty of the evidence (GRADE) | Comments |") in text
    assert "**Setting:**" in text and "*The risk in the intervention group (and its 95% confidence interval)" in text
    assert "CI: confidence interval; RR: risk ratio" in text
    # kumar-2017-f3 (published-facts.md, Kumar 2017 Cochrane SoF table 1): RR 0.95 (0.85 to 1.05), 1 study, 120
    assert "| RR 0.95 (0.85 to 1.05)<sup>1</sup> | 120 (1 study) | ⊕⊕⊕◯ moderate |" in text
    assert "1. Effect estimate read in Kumar 2017, Cochrane SoF table 1" in text
    assert "?" not in text.split("GRADE certainty:")[0].replace("?)", "")  # no placeholders
    assert "We are moderately confident in the effect estimate" in text  # the GRADE definitions as a legend


def test_per_source_html(real_db, tmp_path):
    out = tmp_path / "sof.html"
    result = CliRunner().invoke(cli, ["export", "sof", "--db", str(real_db), "--by", "source", "--format", "html",
                                      "--source", "hegewald-2019", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.count('<tr id="hegewald-2019-f') == 6
    assert '<td class="certainty-very_low">⊕◯◯◯ very low</td>' in html


def test_footnote_marks_are_separated_and_placed_on_the_certainty(project):
    project.edit("      direction:", "      risk_of_bias: -1\n      risk_of_bias_note: Unblinded assessors.\n"
                                     "      imprecision: -2\n      direction:")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    with connect(db) as conn:
        [table] = tables(conn, {})
    assert table.footnotes == [
        "Risk of bias: rated down one level (serious concern). Unblinded assessors.",
        "Imprecision: rated down two levels (very serious concern).",
    ]
    assert table.rows[0].certainty_notes == [1, 2]
    assert "⊕⊕◯◯ low<sup>1,2</sup>" in render([table], "md")


def test_absolute_effects_in_their_columns_and_md_not_under_relative(project):
    project.edit("      certainty: low\n", "      certainty: low\n" + RR_WITH_COMPARATOR_RISK)
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    with connect(db) as conn:
        [row] = tables(conn, {})[0].rows
    # by hand: 627 × 1.23 = 771.2 → 771; 627 × 1.08 = 677.2 → 677; 627 × 1.39 = 871.5 → 872
    assert (row.comparator_risk, row.intervention_risk, row.relative) == (
        "627 per 1000", "771 per 1000 (677 to 872)", "RR 1.23 (1.08 to 1.39)")
    project.edit("effect_measure: RR", "effect_measure: SMD")
    project.edit("      comparator_risk: 627\n", "      comparator_risk:\n")
    builder.build(Path("data"), db)
    with connect(db) as conn:
        [row] = tables(conn, {})[0].rows
    assert row.relative == "—" and row.intervention_risk == "SMD 1.23 SD higher (1.08 higher to 1.39 higher)"


def test_docx_is_a_landscape_table_with_superscript_marks(real_db, tmp_path):
    from docx import Document
    from docx.enum.section import WD_ORIENT

    out = tmp_path / "sof.docx"
    result = CliRunner().invoke(cli, ["export", "sof", "--db", str(real_db), "--format", "docx",
                                      "--condition", "traumatic_brain_injury", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = Document(str(out))
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    with connect(real_db) as conn:
        expected = tables(conn, {"condition": ["traumatic_brain_injury"]})
    assert len(document.tables) == len(expected)
    assert document.tables[0].rows[0].cells[0].text == "Outcomes"
    marks = [r.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
             if r.font.superscript]
    assert "1" in marks


def test_html_escapes_data(project):
    project.edit("statement: Work support may increase return to work.",
                 "statement: Work support may increase return to work <script>x</script>.")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    with connect(db) as conn:
        html = render(tables(conn, {}), "html")
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_markdown_escapes_pipes():
    from evidence.exports.sof import Row, Table

    row = Row("a", "out|come", "—", "—", "—", "—", None, "not GRADE-rated", "a | b")
    assert "out\\|come" in render([Table("T", "G", rows=[row])], "md") and "a \\| b" in render([Table("T", "G", rows=[row])], "md")


def test_docx_cells_are_those_of_the_cochrane_sof_tables(real_db, tmp_path):
    """Kumar 2017's Cochrane SoF tables 1, 3 and 4, cell by cell, as published-facts.md gives them (relative
    effect, participants and studies, certainty, assumed comparator risk per 1000), read from the Word
    document with python-docx (the superscript footnote mark is a run of its own)."""
    from docx import Document

    out = tmp_path / "tbi.docx"
    assert CliRunner().invoke(cli, ["export", "sof", "--db", str(real_db), "--format", "docx",
                                    "--source", "kumar-2017", "-o", str(out)]).exit_code == 0
    rows = {}
    for table in Document(str(out)).tables:
        for row in table.rows[2:]:  # below the two header rows
            cells = [c.paragraphs[0].runs[0].text if c.paragraphs[0].runs else "" for c in row.cells]
            rows[cells[3]] = cells
    expected = [  # relative effect: (risk with comparator, № of participants (studies), certainty)
        ("RR 1.80 (0.74 to 4.39)", "278 per 1000", "50 (1 study)", "⊕◯◯◯ very low"),  # SoF table 1
        ("RR 0.95 (0.85 to 1.05)", "943 per 1000", "120 (1 study)", "⊕⊕⊕◯ moderate"),  # SoF table 3
        ("RR 1.10 (0.83 to 1.46)", "354 per 1000", "366 (1 study)", "⊕⊕⊕◯ moderate"),  # SoF table 4
    ]
    for relative, comparator, participants, certainty in expected:
        cells = rows[relative]
        assert (cells[1], cells[4], cells[5]) == (comparator, participants, certainty), cells
