"""Streamed exports: every writer writes its file chunk by chunk, and the bytes are those of the
whole-file writers they replaced (kept here as the reference), with chunks made small enough that
every join between chunks is exercised on the curated data. Independent readers check the files."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from evidence import exports
from evidence.cli import cli
from evidence.exports import fhir, references, sof, sof_docx, tables
from evidence.read import connect, records, sql

FILTERS = {"all": {}, "cancer": {"condition": ["cancer"]}, "low": {"certainty": ["low"]},
           "source": {"source": ["kumar-2017"]}, "none": {"certainty": ["high"], "outcome": ["job_loss"]}}


@pytest.fixture(params=[None, 3], ids=["default-chunks", "chunks-of-3"])
def chunked(request, monkeypatch):
    """Run with the default chunk sizes, and with chunks of 3 rows (entries) so every join is used."""
    if request.param:
        monkeypatch.setattr(tables, "CHUNK_ROWS", request.param)
        monkeypatch.setattr(tables, "PARQUET_ROWS", request.param * 2)
        monkeypatch.setattr(references, "BATCH", request.param)
    return request.param


def streamed(conn, export: str, name: str, table: str = "findings", filters=None, **options) -> bytes:
    content, _ = exports.render(exports.find(export, name), conn, table, filters or {}, options)
    return content


# --- the whole-file writers as they were: the reference ---------------------------------------------


def old_csv(df: pd.DataFrame, excel: bool) -> bytes:
    if excel:
        df = df.astype(object).map(tables.guarded)
        return (tables.BOM + df.to_csv(index=False, lineterminator="\r\n")).encode()
    return df.to_csv(index=False, lineterminator="\n").encode()


def old_xlsx(df: pd.DataFrame, conn, table: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from evidence.metadata import described_tables

    def as_is(ws, row: int, column: int, value):  # a text that looks like a formula stays text, unchanged
        cell = ws.cell(row, column)
        cell.value = value
        if isinstance(value, str) and value.startswith(tables.FORMULA):
            cell.data_type, cell.quotePrefix = "s", True

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table[:31]
    columns = list(df.columns)
    sheet.append(columns)
    for r, row in enumerate(df.astype(object).itertuples(index=False), 2):
        for c, v in enumerate(row, 1):
            as_is(sheet, r, c, None if pd.isna(v) else v)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for i, name in enumerate(columns, 1):
        longest = max([len(name), *(len(str(v)) for v in df[name].head(200).dropna())])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    about = workbook.create_sheet("columns")
    about.append(["column", "description"])
    for r, (name, description) in enumerate(described_tables()[table]["columns"].items(), 2):
        about.cell(r, 1).value = name
        as_is(about, r, 2, description)
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 28, 100
    info = workbook.create_sheet("build")
    info.append(["key", "value"])
    build_info = (records(conn, sql("build_info")) or [{}])[0]
    for key in exports.PROVENANCE:  # never built_at: the same data gives the same bytes
        info.append([key, build_info.get(key)])
    info.append(["rows", len(df)])
    for ws in (about, info):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return tables.fixed_zip_times(buffer.getvalue())


@pytest.mark.parametrize("table", ["findings", "sources", "economic_evaluations", "vocabulary"])
@pytest.mark.parametrize("name", ["all", "cancer", "none"])
def test_table_formats_stream_the_bytes_of_the_whole_file_writers(real_db, chunked, table, name):
    filters = FILTERS[name] if table != "economic_evaluations" or name != "none" else {"source": ["x"]}
    if table == "vocabulary" and filters:
        pytest.skip("the vocabulary takes no filters")
    with connect(real_db) as conn:
        df = tables.frame(conn, table, filters)
        assert streamed(conn, "table", "csv", table, filters) == old_csv(df, excel=False)
        assert streamed(conn, "table", "csv", table, filters, excel=True) == old_csv(df, excel=True)
        array = streamed(conn, "table", "json-array", table, filters)
        assert array == (df.to_json(orient="records", force_ascii=False, indent=2) + "\n").encode()
        document = json.loads(streamed(conn, "table", "json", table, filters))
        assert document["rows"] == json.loads(array) and document["provenance"] == exports.provenance(conn)
        assert streamed(conn, "table", "xlsx", table, filters) == old_xlsx(df, conn, table)
        parquet = streamed(conn, "table", "parquet", table, filters)
        read = pq.read_table(io.BytesIO(parquet))
        assert read.to_pandas().equals(df) and read.schema.metadata[b"evidence"]
        if chunked is None or len(df) <= 6:  # one row group: the bytes pandas and pyarrow wrote
            import pyarrow as pa

            arrow = pa.Table.from_pandas(df, schema=tables.arrow_schema(table), preserve_index=False)
            arrow = arrow.replace_schema_metadata({**arrow.schema.metadata, b"evidence": read.schema.metadata[b"evidence"]})
            old = io.BytesIO()
            pq.write_table(arrow, old)
            assert parquet == old.getvalue()
        else:
            assert pq.ParquetFile(io.BytesIO(parquet)).metadata.num_row_groups == -(-len(df) // (chunked * 2))


@pytest.mark.parametrize("name", list(FILTERS))
def test_documents_stream_the_bytes_of_the_whole_file_writers(real_db, chunked, name):
    filters = FILTERS[name]
    with connect(real_db) as conn:
        assert streamed(conn, "fhir", "json", filters=filters) == fhir.dumps(fhir.bundle(conn, filters)).encode()
        raw = references.entries(conn, references.source_ids(conn, filters))
        info = exports.provenance(conn)
        assert streamed(conn, "bib", "bib", filters=filters) == (references.bib_header(info) + references.to_bibtex(raw)).encode()
        assert streamed(conn, "ris", "ris", filters=filters) == (references.ris_header(info) + references.to_ris(raw)).encode()
        for by in ("condition", "source"):
            result = sof.tables(conn, filters, by)
            for fmt in ("md", "html"):
                assert streamed(conn, "sof", fmt, filters=filters, by=by) == sof.render(
                    result, fmt, about=exports.provenance_text(info)).encode()
            assert streamed(conn, "sof", "docx", filters=filters, by=by) == sof_docx.docx_bytes(result, sof.definitions(), info)


def test_fhir_streams_entry_by_entry_the_document_json_reads(real_db):
    with connect(real_db) as conn:
        data = json.loads(streamed(conn, "fhir", "json"))
        assert data == fhir.bundle(conn, {}) and list(data) == ["resourceType", "id", "type", "entry", "meta"]
        empty = json.loads(streamed(conn, "fhir", "json", filters=FILTERS["none"]))
        assert "entry" not in empty  # FHIR JSON leaves out a repeating element with no items


def test_independent_readers_read_the_streamed_files(real_db, tmp_path, chunked):
    import duckdb
    from pybtex.database import parse_string
    from python_calamine import CalamineWorkbook

    with connect(real_db) as conn:
        ids = [r[0] for r in conn.execute("select id from findings order by id")]
        keys = {r[0] for r in conn.execute("select citation_key from sources where bibtex is not null")}
        for fmt in ("csv", "xlsx", "parquet"):
            (tmp_path / f"f.{fmt}").write_bytes(streamed(conn, "table", fmt))
        bib = streamed(conn, "bib", "bib").decode()
    assert [r[0] for r in duckdb.sql(f"select id from read_csv('{tmp_path / 'f.csv'}') order by id").fetchall()] == ids
    assert [r[0] for r in duckdb.sql(f"select id from '{tmp_path / 'f.parquet'}'").fetchall()] == ids
    sheet = CalamineWorkbook.from_path(str(tmp_path / "f.xlsx")).get_sheet_by_name("findings").to_python()
    assert [row[0] for row in sheet[1:]] == ids
    assert set(parse_string(bib, "bibtex").entries) == keys


def test_the_command_writes_through_a_temporary_file_chunk_by_chunk(real_db, tmp_path, monkeypatch):
    """A writer that fails after writing part of the file leaves the previous file and no temporary."""
    out = tmp_path / "out.csv"
    out.write_bytes(b"previous")
    csv_format = exports.find("table", "csv")

    def half(conn, table, filters, options, stream):
        stream.write(b"id,statement\n" * 1000)
        raise exports.EvidenceError("the database went away halfway")

    monkeypatch.setattr(exports, "FORMATS", [exports.Format(f.export, f.name, f.media_type, f.suffix, half, f.default)
                                             if f == csv_format else f for f in exports.formats()])
    result = CliRunner().invoke(cli, ["export", "findings", "--db", str(real_db), "-o", str(out)])
    assert result.exit_code == 1 and "Error: the database went away halfway" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # a message, no traceback
    assert out.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_standard_output_streams_the_same_bytes_as_the_file(real_db, tmp_path):
    for args in (["findings"], ["fhir", "--condition", "cancer"], ["ris"], ["sof", "--format", "html"]):
        out = tmp_path / "x"
        assert CliRunner().invoke(cli, ["export", *args, "--db", str(real_db), "-o", str(out)]).exit_code == 0
        result = CliRunner().invoke(cli, ["export", *args, "--db", str(real_db)])
        assert result.exit_code == 0 and result.stdout_bytes == out.read_bytes()
