"""Table exports and evidence.load: formats, filters, reproducibility, counts against Datasette."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import evidence
from evidence.cli import cli
from evidence import exports
from evidence.read import select
from evidence.problems import EvidenceError
from tests.conftest import query


def export(*args: str):
    return CliRunner().invoke(cli, ["export", *args])


def test_load_returns_a_filtered_dataframe(real_db):
    df = evidence.load("findings", db=real_db, condition="cancer", certainty=["moderate", "high"])
    expected = query(real_db, "select id from findings where condition = 'cancer' and certainty in ('moderate', 'high') order by id")
    assert list(df["id"]) == [r[0] for r in expected]
    assert list(df.columns) == [r[1] for r in query(real_db, "pragma table_info(findings)")]


def test_load_keeps_integers_integers(real_db):
    df = evidence.load("findings", db=real_db)
    assert str(df["studies_n"].dtype) == "Int64" and df["studies_n"].isna().any()


@pytest.mark.parametrize("fmt", [f.name for f in exports.formats_of("table")])
def test_every_table_format_opens_in_its_tool_with_the_rows(real_db, tmp_path, fmt):
    out = tmp_path / f"cancer.{fmt}"
    result = export("findings", "--db", str(real_db), "--condition", "cancer", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    expected = [r[0] for r in query(real_db, "select id from findings where condition = 'cancer' order by id")]
    if fmt == "csv":
        ids = list(pd.read_csv(out, encoding="utf-8")["id"])
    elif fmt == "json":  # an object: where the rows came from, then the rows
        ids = [row["id"] for row in json.loads(out.read_text(encoding="utf-8"))["rows"]]
    elif fmt == "json-array":  # the rows as Datasette's _shape=array gives them
        ids = [row["id"] for row in json.loads(out.read_text(encoding="utf-8"))]
    elif fmt == "xlsx":
        sheet = load_workbook(out).active
        header = [c.value for c in sheet[1]]
        ids = [row[header.index("id")] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sheet.title == "findings"
    else:
        ids = pq.read_table(out).column("id").to_pylist()
    assert ids == expected


@pytest.mark.parametrize("fmt", [f.name for f in exports.formats_of("table")])
def test_exports_are_reproducible(real_db, tmp_path, fmt):
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    for out in (first, second):
        assert export("sources", "--db", str(real_db), "--format", fmt, "-o", str(out)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_utf8_text_survives(real_db, tmp_path):
    out = tmp_path / "f.csv"
    export("findings", "--db", str(real_db), "--source", "van-dongen-2013", "-o", str(out))
    assert "geïntegreerd" in out.read_text(encoding="utf-8")


def test_filtered_export_count_equals_datasette_json(real_db, site, tmp_path):
    out = tmp_path / "f.json"
    export("findings", "--db", str(real_db), "--condition", "coronary_heart_disease", "--certainty", "low",
           "--format", "json", "-o", str(out))
    response = site("/evidence/findings.json?condition=coronary_heart_disease&certainty=low&_size=max&_shape=objects")
    served = response.json()
    assert len(json.loads(out.read_text())["rows"]) == served["filtered_table_rows_count"] == len(served["rows"]) > 0


def test_standard_output_for_text_formats(real_db):
    result = export("findings", "--db", str(real_db), "--condition", "traumatic_brain_injury")
    assert result.exit_code == 0 and result.stdout.count("\n") == 5  # header and four findings


def test_binary_format_needs_a_file(real_db):
    result = export("findings", "--db", str(real_db), "--format", "xlsx")
    assert result.exit_code == 2 and "give a file with -o" in result.output


def test_filters_that_do_not_apply_are_errors(real_db):
    result = export("economic_evaluations", "--db", str(real_db), "--certainty", "low")
    assert result.exit_code == 1 and "--certainty does not apply to the economic_evaluations table" in result.output
    with pytest.raises(EvidenceError, match="unknown table"):
        select("nonsense", {})


def test_sources_filtered_by_condition_include_ongoing_studies(real_db):
    df = evidence.load("sources", db=real_db, condition="cancer")
    assert "steps-study" in set(df["id"]) and "kumar-2017" not in set(df["id"])
    df = evidence.load("sources", db=real_db, certainty="moderate")
    assert set(df["id"]) == {r[0] for r in query(real_db, "select distinct source_id from findings where certainty = 'moderate'")}


def test_missing_database_is_a_clear_error(tmp_path):
    result = export("findings", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "no such database (run `evidence build` first)" in result.output


def test_failed_export_leaves_no_partial_file(real_db, tmp_path, monkeypatch):
    import dataclasses

    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous")
    parquet = exports.find("table", "parquet")

    def broken(conn, table, filters, options, out):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "FORMATS", [dataclasses.replace(f, write=broken) if f == parquet else f
                                             for f in exports.formats()])
    result = export("findings", "--db", str(real_db), "--format", "parquet", "-o", str(out))
    assert result.exit_code != 0
    assert out.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_parquet_schemas_are_the_schema_whatever_the_filter(real_db, tmp_path):
    import duckdb

    schemas = []
    for name, filters in (("all", []), ("cancer", ["--condition", "cancer"]), ("none", ["--certainty", "high", "--outcome", "job_loss"])):
        out = tmp_path / f"{name}.parquet"
        assert export("findings", "--db", str(real_db), "--format", "parquet", "-o", str(out), *filters).exit_code == 0
        schemas.append(pq.read_schema(out))
    assert schemas[0] == schemas[1] == schemas[2]
    assert str(schemas[0].field("studies_n").type) == "int64" and str(schemas[0].field("risk_of_bias").type) == "int64"
    assert str(schemas[0].field("effect").type) == "double"
    # an independent reader: duckdb reads the counts as integers and the rows as the database has them
    rows = duckdb.sql(f"select typeof(studies_n), count(*) from '{tmp_path / 'cancer.parquet'}' group by 1").fetchall()
    assert rows == [("BIGINT", query(real_db, "select count(*) from findings where condition = 'cancer'")[0][0])]


def test_zero_row_exports_keep_the_columns(real_db, tmp_path):
    out = tmp_path / "none.csv"
    export("findings", "--db", str(real_db), "--certainty", "high", "--outcome", "job_loss", "-o", str(out))
    assert out.read_text(encoding="utf-8").strip() == ",".join(r[1] for r in query(real_db, "pragma table_info(findings)"))


def test_xlsx_reads_back_with_calamine_and_describes_itself(real_db, tmp_path):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "f.xlsx"
    assert export("findings", "--db", str(real_db), "--format", "xlsx", "-o", str(out)).exit_code == 0
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["findings", "columns", "build"]
    data = book.get_sheet_by_name("findings").to_python()
    assert [row[0] for row in data[1:]] == [r[0] for r in query(real_db, "select id from findings order by id")]
    columns = dict((r[0], r[1]) for r in book.get_sheet_by_name("columns").to_python()[1:])
    assert columns["certainty"].startswith("GRADE certainty")
    build = dict((r[0], r[1]) for r in book.get_sheet_by_name("build").to_python())
    assert build["content_hash"] == query(real_db, "select content_hash from build_info")[0][0]
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet["A1"].font.bold


def test_xlsx_cells_are_the_database_values_and_excel_csv_guards(real_db, tmp_path):
    """XLSX string cells are never evaluated, so they hold the data as it is (no apostrophe the data does
    not have); a text that looks like a formula is a string cell with quotePrefix. The --excel CSV guards."""
    import shutil
    import sqlite3

    from python_calamine import CalamineWorkbook

    db = tmp_path / "evidence.db"
    shutil.copy(real_db, db)
    with sqlite3.connect(db) as conn:  # a statement a spreadsheet would run as a formula
        conn.execute("update findings set statement = '=1+2' where id = (select min(id) from findings)")
    for table in ("sources", "findings"):
        xlsx, csv = tmp_path / f"{table}.xlsx", tmp_path / f"{table}.csv"
        assert export(table, "--db", str(db), "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
        assert export(table, "--db", str(db), "--excel", "-o", str(csv)).exit_code == 0
        kinds = exports.tables.column_kinds(table)
        expected = query(db, f"select * from {table} order by id")
        # calamine: every cell equals the database's value
        sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name(table).to_python(skip_empty_area=False)
        assert tuple(sheet[0]) == tuple(kinds)
        for got, want in zip(sheet[1:], expected, strict=True):
            for (name, kind), value, stored in zip(kinds.items(), got, want):
                if stored is None:
                    assert value == "", (name, value)
                elif kind == "boolean":
                    assert value is bool(stored), (name, value)
                elif kind == "float":  # openpyxl writes 16 significant digits (Excel keeps 15)
                    assert math.isclose(value, stored, rel_tol=1e-15), (name, value, stored)
                else:
                    assert value == stored, (name, value, stored)
        # openpyxl: no formula cell; quotePrefix exactly where the text starts like a formula
        book = load_workbook(xlsx)
        for row in book[table].iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"
                assert cell.quotePrefix == (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")))
        build = {key: value for key, value in book["build"].iter_rows(min_row=2, values_only=True)}
        assert build["release"] is None  # an empty release is an empty cell, not the text "None"
    assert query(db, "select count(*) from sources where bibtex like '@%'")[0][0] > 0
    raw = (tmp_path / "sources.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    assert "'@article" in raw.decode("utf-8-sig")
    assert "'=1+2" in (tmp_path / "findings.csv").read_text(encoding="utf-8-sig")


def test_one_registry_serves_the_command_line_and_the_site(site):
    """Every format registers once; `evidence export` offers each, the site links the ones with site tables."""
    names = [(f.export, f.name) for f in exports.formats()]
    assert len(names) == len(set(names))
    help_text = export("--help").output
    for name in exports.exports():
        assert f"{name}: " in help_text
    page = site("/evidence/findings").text
    for fmt in exports.site_formats("findings"):
        assert f'href="/download/findings.{fmt.site_extension}"' in page
