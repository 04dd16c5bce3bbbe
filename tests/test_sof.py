"""Summary-of-Findings tables: layout, symbols, footnotes for downgrades, escaping."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.cli import cli
from evidence.read import connect
from evidence.exports.sof import render, tables
from tests.conftest import query


def test_one_table_per_condition_with_every_finding(real_db):
    with connect(real_db) as conn:
        result = tables(conn, {"condition": ["traumatic_brain_injury", "cancer"]})
    assert [t.title for t in result] == ["cancer (kanker)", "traumatic brain injury (traumatisch hersenletsel)"]
    assert sum(len(t.rows) for t in result) == query(
        real_db, "select count(*) from findings where condition in ('traumatic_brain_injury', 'cancer')")[0][0]


def test_markdown_layout(real_db):
    text = CliRunner().invoke(cli, ["sof", "--db", str(real_db), "--condition", "traumatic_brain_injury"]).stdout
    assert "| Outcome | Timepoint | Comparison | Relative effect (95% CI) | Studies (participants) | Certainty |" in text
    assert "| RR 0.95 (0.85 to 1.05) | 1 (120) | ⊕⊕⊕◯ moderate |" in text
    assert "1. Effect estimate read in Kumar 2017, Cochrane SoF table 1" in text


def test_per_source_html(real_db, tmp_path):
    out = tmp_path / "sof.html"
    result = CliRunner().invoke(cli, ["export", "sof", "--db", str(real_db), "--by", "source", "--format", "html",
                                      "--source", "hegewald-2019", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<h2>Hegewald 2019</h2>" in html and html.count('<tr id="hegewald-2019-f') == 6
    assert '<td class="certainty-very_low">⊕◯◯◯ very low</td>' in html


def test_footnotes_explain_each_downgrade(project):
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
    assert table.rows[0].notes == [1, 2]
    assert "return to work (terugkeer naar werk)<sup>1</sup><sup>2</sup>" in render([table], "md")


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

    row = Row("a", "out|come", "", "x", "y", "z", None, "not GRADE-rated", "a | b", "S")
    assert "out\\|come" in render([Table("T", [row])], "md") and "a \\| b" in render([Table("T", [row])], "md")
