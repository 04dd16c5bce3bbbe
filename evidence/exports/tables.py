"""Tables as CSV, JSON, Excel or Parquet, and ``load`` for notebooks, through the read layer.

Column types come from the schema, never from the data: an all-empty column is still a number column,
and a filter that matches nothing gives the same columns and types as one that matches everything.
XLSX cells hold the data as it is: a string cell is never evaluated, so a text that looks like a formula
(starting with =, +, - or @) is written as a string with Excel's quotePrefix style, never changed. CSV
with ``--excel`` guards such cells with a leading apostrophe (a CSV cell has no type: Excel would run it).
Every file says which release it came from (``provenance``), and never when it was built: the same data
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator, Optional, Union

from ..columns import COLUMNS, PRIMARY_KEYS
from ..read import Filters, connect, select
from ..titles import tables
from . import PROJECT, Format, Output, provenance, provenance_text, register, text

FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip member times in .xlsx files, so that exports are reproducible
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula
BOM = "\ufeff"
CHUNK_ROWS = 5_000  # rows read from the database (and written) at a time
PARQUET_ROWS = 50_000  # rows per Parquet row group (one group for smaller tables, as pandas wrote them)

if TYPE_CHECKING:  # pandas is imported when a table is exported, not when the CLI starts
    import pandas as pd


def column_kinds(table: str) -> dict[str, str]:
    """Each column's kind from the schema (evidence/columns.py): integer, float, boolean or text."""
    return dict(COLUMNS[table])


PANDAS_TYPES = {"integer": "Int64", "float": "Float64", "boolean": "boolean", "text": "string"}


def frame(conn: sqlite3.Connection, table: str, filters: Filters) -> "pd.DataFrame":
    import pandas as pd

    query, params = select(table, filters)
    df = pd.read_sql_query(query, conn, params=params, dtype_backend="numpy_nullable")
    return df.astype({name: PANDAS_TYPES[kind] for name, kind in column_kinds(table).items()})


def load(table: str, db: Union[str, Path], **filters: Any) -> "pd.DataFrame":
    """A table of the database as a pandas DataFrame, filtered like the CLI (``evidence.load``, which
    gives the defaults, calls this when a notebook asks for data)."""
    with connect(db) as conn:
        return frame(conn, table, filters)


def guarded(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with ' so it shows as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA) else value


def _column_sql(name: str, kind: str, excel: bool) -> str:
    """The column as the writers want it from SQLite: booleans as True/False (as pandas writes them),
    floats as floats, and, for spreadsheets, formula-like text guarded (as ``guarded`` does)."""
    column = f"[{name}]"
    if kind == "boolean":
        return f"case when {column} is null then null when {column} then 'True' else 'False' end"
    if kind == "float":
        return f"cast({column} as real)"
    if kind == "text" and excel:
        starts = ", ".join(f"char({ord(c)})" for c in FORMULA)
        return f"case when substr({column}, 1, 1) in ({starts}) then char(39) || {column} else {column} end"
    return column


def cursor(conn: sqlite3.Connection, table: str, filters: Filters, excel: bool = False,
           booleans: bool = False) -> sqlite3.Cursor:
    """The table's matching rows, typed by the schema, on a cursor of its own (read with fetchmany).
    Booleans come as the text True/False, or as 0/1 with ``booleans``."""
    kinds = column_kinds(table)
    # [name], not "name": SQLite reads a double-quoted name that is no column as a string
    columns = ", ".join(f"[{n}]" if (booleans and k == "boolean") or _column_sql(n, k, excel) == f"[{n}]"
                        else f"{_column_sql(n, k, excel)} as [{n}]" for n, k in kinds.items())
    query, params = select(table, filters, columns)
    rows = conn.cursor()
    rows.row_factory = None  # tuples, whatever the connection's factory (Datasette's gives sqlite3.Row)
    return rows.execute(query, params)


_chunking = threading.local()


@contextmanager
def chunk_rows(size: int) -> Iterator[None]:
    """Read ``size`` rows at a time in this thread (the site's downloads: a smaller batch holds Python's
    lock for a shorter time, so the pages served meanwhile wait less). The bytes do not change."""
    _chunking.size = size
    try:
        yield
    finally:
        _chunking.size = None


def chunks(rows: sqlite3.Cursor, size: Optional[int] = None) -> Iterator[list]:
    """The cursor's rows, ``size`` (CHUNK_ROWS, or chunk_rows' in this thread) at a time."""
    size = size or getattr(_chunking, "size", None) or CHUNK_ROWS
    while True:
        batch = rows.fetchmany(size)
        if not batch:
            return
        yield batch


def _csv(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> int:
    """CSV as pandas wrote it (empty cells for nulls, True/False, floats as repr), from a cursor."""
    excel = bool(options.get("excel"))
    rows = cursor(conn, table, filters, excel=excel)
    count = 0
    with text(out) as f:
        if excel:
            f.write(BOM)
        writer = csv.writer(f, lineterminator="\r\n" if excel else "\n")
        writer.writerow(column_kinds(table))
        for batch in chunks(rows):
            writer.writerows(batch)
            count += len(batch)
    return count


def frames(conn: sqlite3.Connection, table: str, filters: Filters, size: Optional[int] = None) -> Iterator["pd.DataFrame"]:
    """The matching rows as typed DataFrames of at most ``size`` rows (none when no row matches)."""
    import pandas as pd

    query, params = select(table, filters)
    types = {name: PANDAS_TYPES[kind] for name, kind in column_kinds(table).items()}
    for df in pd.read_sql_query(query, conn, params=params, dtype_backend="numpy_nullable",
                                chunksize=size or CHUNK_ROWS):
        yield df.astype(types)


def _json_rows(conn: sqlite3.Connection, table: str, filters: Filters, f: IO[str]) -> int:
    """pandas' records JSON (its number format and escapes), a frame of rows at a time: each frame's
    array without its brackets, joined as one array."""
    count = 0
    f.write("[\n")
    for df in frames(conn, table, filters):
        if len(df):
            part = df.to_json(orient="records", force_ascii=False, indent=2)
            f.write((",\n" if count else "") + part[2:-2])
            count += len(df)
    f.write("\n]")
    return count


def _json_array(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> int:
    """The rows as a bare array of objects, as Datasette's ``_shape=array`` gives them."""
    with text(out) as f:
        count = _json_rows(conn, table, filters, f)
        f.write("\n")
    return count


def _json(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> int:
    """An object that says where the rows came from (release, content hash, table, filters), then the
    rows as ``_json_array`` writes them."""
    head = {"provenance": provenance(conn), "table": table, "filters": _filters_json(filters)}
    with text(out) as f:
        f.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "rows": ')
        count = _json_rows(conn, table, filters, f)
        f.write("\n}\n")
    return count


def _filters_json(filters: Filters) -> dict:
    from ..read import normalise

    return {name: list(values) for name, values in sorted(normalise(filters).items())}


CSVW_TYPES = {"integer": "integer", "float": "double", "text": "string",
              "boolean": {"base": "boolean", "format": "True|False"}}


def csvw_metadata(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, name: str) -> bytes:
    """The CSV on the Web (W3C CSVW) metadata of a CSV export, for ``<file>-metadata.json`` beside it:
    which release and content hash the file came from, its filters, and each column's type and meaning."""
    from ..metadata import described_tables

    info = provenance(conn)
    described = described_tables()[table]
    excel = bool(options.get("excel"))
    primary = list(PRIMARY_KEYS[table])
    document = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": name,
        "dc:title": f"{table} ({provenance_text(info)})",
        "dc:description": described["description"],
        "dc:publisher": PROJECT,
        "schema:version": info["release"],
        "dc:created": info["released_at"],
        "dc:identifier": f"content hash {info['content_hash']}",
        "rdfs:comment": [provenance_text(info), f"Filters: {json.dumps(_filters_json(filters), ensure_ascii=False)}"],
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\r\n" if excel else "\n"],
                    "skipInitialSpace": False},
        "tableSchema": {
            "columns": [{"name": column, "titles": column, "datatype": CSVW_TYPES[kind],
                         "dc:description": described["columns"].get(column, "")}
                        for column, kind in column_kinds(table).items()],
            "primaryKey": primary[0] if len(primary) == 1 else primary,
        },
    }
    if excel:
        document["rdfs:comment"].append("Spreadsheet flavour: a text cell that starts with =, +, - or @ has an "
                                        "apostrophe in front of it, which the data does not have.")
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def arrow_schema(table: str):
    import pyarrow as pa

    types = {"integer": pa.int64(), "float": pa.float64(), "boolean": pa.bool_(), "text": pa.string()}
    return pa.schema([(name, types[kind]) for name, kind in column_kinds(table).items()])


def _parquet_schema(conn: sqlite3.Connection, table: str):
    """The Arrow schema with the metadata a pandas frame of the table gives it, and the build's."""
    import pandas as pd
    import pyarrow as pa

    empty = pd.DataFrame({name: pd.Series([], dtype=PANDAS_TYPES[kind]) for name, kind in column_kinds(table).items()})
    schema = pa.Table.from_pandas(empty, schema=arrow_schema(table), preserve_index=False).schema
    # the release and content hash in the file's key-value metadata (not the build time: same data, same bytes)
    return schema.with_metadata({**(schema.metadata or {}), b"evidence": json.dumps(provenance(conn)).encode()})


def _parquet(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> int:
    """Parquet in row groups of PARQUET_ROWS rows, each gathered as Arrow batches of CHUNK_ROWS rows
    read from the cursor (one group for a smaller table, as pandas wrote it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema(conn, table)
    kinds = list(column_kinds(table).values())
    rows = cursor(conn, table, filters, booleans=True)
    count, group, grouped = 0, [], 0
    with pq.ParquetWriter(out, schema) as writer:
        for batch in chunks(rows, CHUNK_ROWS):  # Arrow batches of this size, whatever chunk_rows says
            columns = [pa.array(values, pa.int8()).cast(pa.bool_()) if kind == "boolean" else
                       pa.array(values, field.type) for values, kind, field in zip(zip(*batch), kinds, schema)]
            group.append(pa.RecordBatch.from_arrays(columns, schema=schema))
            grouped += len(batch)
            if grouped >= PARQUET_ROWS:
                writer.write_table(pa.Table.from_batches(group, schema), row_group_size=grouped)
                count, group, grouped = count + grouped, [], 0
        if group or not count:
            writer.write_table(pa.Table.from_batches(group, schema), row_group_size=max(grouped, 1))
            count += grouped
    return count


def _xlsx(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> int:
    """The table, a sheet describing its columns and one describing the build, written row by row
    (openpyxl's write-only mode) in the layout a whole-table workbook had: bold frozen header, filter,
    column widths from the first 200 rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..metadata import described_tables

    kinds = column_kinds(table)
    columns = list(kinds)
    booleans = [i for i, kind in enumerate(kinds.values()) if kind == "boolean"]
    query, params = select(table, filters, "count(*)")
    count = conn.execute(query, params).fetchone()[0]
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws, values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)

    sheet = _sheet(workbook, table[:31], f"A1:{get_column_letter(len(columns))}{count + 1}")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimension
    longest = {name: len(name) for name in columns}
    for row in cursor(conn, table, filters).fetchmany(200):  # the widths, from the first rows as they read
        for name, value in zip(columns, row):
            if value is not None:
                longest[name] = max(longest[name], len(str(value)))
    for i, name in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest[name] + 2))
    header(sheet, columns)
    texts = [i for i, kind in enumerate(kinds.values()) if kind == "text"]
    written = 0
    for batch in chunks(cursor(conn, table, filters, booleans=True)):
        for row in batch:
            row = list(row)
            for i in booleans:
                if row[i] is not None:
                    row[i] = bool(row[i])
            for i in texts:
                row[i] = as_text(sheet, row[i])
            sheet.append(row)
        written += len(batch)
    described = list(described_tables()[table]["columns"].items())
    about = _sheet(workbook, "columns", f"A1:B{len(described) + 1}")
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 28, 100
    header(about, ["column", "description"])
    for name, description in described:
        about.append([name, as_text(about, description)])
    build = [*provenance(conn).items(), ("rows", written)]
    info = _sheet(workbook, "build", f"A1:B{len(build) + 1}")
    header(info, ["key", "value"])
    for key, value in build:  # an empty release is an empty cell
        info.append([key, as_text(info, value)])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        copy_with_fixed_times(spool, out)
    return written


def as_text(sheet, value: Any) -> Any:
    """A text cell as it is. openpyxl would write a text starting with = as a formula: such a text (and
    any starting with +, - or @) becomes a string cell with Excel's quotePrefix style, which shows it as
    text without changing it."""
    if not isinstance(value, str) or not value.startswith(FORMULA):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _sheet(workbook, title: str, dimension: str):
    """A write-only sheet that states its dimension (the range of its cells), as a whole sheet does."""
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    class Sheet(WriteOnlyWorksheet):
        def calculate_dimension(self) -> str:
            return dimension

    sheet = Sheet(parent=workbook, title=title)
    sheet.dimension = dimension
    workbook._add_sheet(sheet)
    return sheet


def fixed_zip_times(data: bytes) -> bytes:
    """An .xlsx (or .docx) file with fixed member times and document dates, so one export equals the next."""
    out = io.BytesIO()
    copy_with_fixed_times(io.BytesIO(data), out)
    return out.getvalue()


def copy_with_fixed_times(source: IO[bytes], out: IO[bytes], dates: Optional[bytes] = b"2000-01-01T00:00:00Z") -> None:
    """Copy a zip file member by member (streamed, each deflated) with fixed times, and the document's
    dates set to ``dates`` (None: as they are)."""
    stamp = dates
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in zin.infolist():
            info = zipfile.ZipInfo(member.filename, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size = member.file_size  # as writestr knew it: the same choice of zip64 headers
            with zin.open(member) as src, target.open(info, "w") as dst:
                if member.filename == "docProps/core.xml" and stamp:
                    content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, src.read())
                    dst.write(content)
                else:
                    shutil.copyfileobj(src, dst, 1 << 20)


def _writer(write, noun: str = "row"):
    def export(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
        count = write(conn, table, filters, options, out)
        return Output(count, f"{noun}{'s' if count != 1 else ''} of {table}")
    return export


SITE_TABLES = tables("sourced")  # the tables the site offers as files (evidence/titles.py)
register(Format("table", "csv", "text/csv; charset=utf-8", "csv", _writer(_csv), default=True, sidecar=csvw_metadata,
                site_tables=SITE_TABLES, title="CSV"))
register(Format("table", "json", "application/json", "json", _writer(_json), site_tables=SITE_TABLES, title="JSON"))
register(Format("table", "json-array", "application/json", "json", _writer(_json_array)))
register(Format("table", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                _writer(_xlsx), binary=True, site_tables=SITE_TABLES, title="Excel (XLSX)"))
register(Format("table", "parquet", "application/vnd.apache.parquet", "parquet", _writer(_parquet), binary=True,
                site_tables=SITE_TABLES, title="Parquet"))
