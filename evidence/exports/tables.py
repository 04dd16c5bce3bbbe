"""Tables as CSV, JSON, Excel or Parquet, and ``load`` for notebooks, through the read layer.

Column types come from the schema, never from the data: an all-empty column is still a number column,
and a filter that matches nothing gives the same columns and types as one that matches everything.
The spreadsheet outputs (XLSX, and CSV with ``--excel``) guard cells that a spreadsheet would run as a
formula (starting with =, +, - or @) and describe their columns and the build.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import sqlalchemy as sa

from ..read import TABLE_MODELS, Filters, connect, records, select, sql
from . import Format, Output, register

FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip member times in .xlsx files, so that exports are reproducible
TABLES = tuple(TABLE_MODELS)
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula
BOM = "\ufeff"

if TYPE_CHECKING:  # pandas is imported when a table is exported, not when the CLI starts
    import pandas as pd


def column_kinds(table: str) -> dict[str, str]:
    """Each column's kind from the schema: integer, float, boolean or text."""
    kinds = {}
    for column in TABLE_MODELS[table].__table__.columns:
        if isinstance(column.type, sa.Boolean):
            kinds[column.name] = "boolean"
        elif isinstance(column.type, sa.Integer):
            kinds[column.name] = "integer"
        elif isinstance(column.type, (sa.Float, sa.Numeric)):
            kinds[column.name] = "float"
        else:
            kinds[column.name] = "text"
    return kinds


PANDAS_TYPES = {"integer": "Int64", "float": "Float64", "boolean": "boolean", "text": "string"}


def frame(conn: sqlite3.Connection, table: str, filters: Filters) -> "pd.DataFrame":
    import pandas as pd

    query, params = select(table, filters)
    df = pd.read_sql_query(query, conn, params=params, dtype_backend="numpy_nullable")
    return df.astype({name: PANDAS_TYPES[kind] for name, kind in column_kinds(table).items()})


def load(table: str = "findings", db: Union[str, Path] = "evidence.db", **filters: Any) -> "pd.DataFrame":
    """A table of the database as a pandas DataFrame, filtered like the CLI:

    >>> evidence.load("findings", condition="cancer", certainty=["moderate", "high"])
    """
    with connect(db) as conn:
        return frame(conn, table, filters)


def guarded(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with ' so it shows as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA) else value


def _csv(df: "pd.DataFrame", conn: sqlite3.Connection, table: str, options: dict) -> Union[str, bytes]:
    if options.get("excel"):
        df = df.astype(object).map(guarded)
        return BOM + df.to_csv(index=False, lineterminator="\r\n")
    return df.to_csv(index=False, lineterminator="\n")


def _json(df: "pd.DataFrame", conn: sqlite3.Connection, table: str, options: dict) -> Union[str, bytes]:
    return df.to_json(orient="records", force_ascii=False, indent=2) + "\n"


def arrow_schema(table: str):
    import pyarrow as pa

    types = {"integer": pa.int64(), "float": pa.float64(), "boolean": pa.bool_(), "text": pa.string()}
    return pa.schema([(name, types[kind]) for name, kind in column_kinds(table).items()])


def _parquet(df: "pd.DataFrame", conn: sqlite3.Connection, table: str, options: dict) -> Union[str, bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    arrow = pa.Table.from_pandas(df, schema=arrow_schema(table), preserve_index=False)
    info = records(conn, sql("build_info"))
    if info:  # the release (or build) and content hash, in the file's key-value metadata
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), b"evidence": json.dumps(info[0]).encode()})
    pq.write_table(arrow, buffer)
    return buffer.getvalue()


def _xlsx(df: "pd.DataFrame", conn: sqlite3.Connection, table: str, options: dict) -> Union[str, bytes]:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..metadata import described_tables

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table[:31]
    columns = list(df.columns)
    sheet.append(columns)
    for row in df.astype(object).itertuples(index=False):
        sheet.append([None if _missing(v) else guarded(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for i, name in enumerate(columns, 1):
        longest = max([len(name), *(len(str(v)) for v in df[name].head(200).dropna())])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    about = workbook.create_sheet("columns")
    about.append(["column", "description"])
    for name, description in described_tables()[table]["columns"].items():
        about.append([name, guarded(description)])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 28, 100
    info = workbook.create_sheet("build")
    for key, value in (records(conn, sql("build_info")) or [{}])[0].items():
        info.append([key, guarded(str(value))])
    info.append(["rows", len(df)])
    for ws in (about, info):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return fixed_zip_times(buffer.getvalue())


def _missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fixed_zip_times(data: bytes) -> bytes:
    """An .xlsx (or .docx) file with fixed member times and document dates, so one export equals the next."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = b"2000-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members:
            if name == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            target.writestr(zipfile.ZipInfo(name, FIXED_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _writer(render):
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict) -> Output:
        df = frame(conn, table, filters)
        return Output(render(df, conn, table, options), len(df), f"row{'s' if len(df) != 1 else ''} of {table}")
    return write


register(Format("table", "csv", "text/csv; charset=utf-8", "csv", _writer(_csv), default=True))
register(Format("table", "json", "application/json", "json", _writer(_json)))
register(Format("table", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                _writer(_xlsx), binary=True, site_tables=("findings", "sources", "economic_evaluations")))
register(Format("table", "parquet", "application/vnd.apache.parquet", "parquet", _writer(_parquet), binary=True))
