"""Tables as CSV, JSON, Excel or Parquet, and ``load`` for notebooks, through the read layer."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ..read import TABLE_MODELS, Filters, connect, select
from . import Format, Output, register

FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip member times in .xlsx files, so that exports are reproducible
TABLES = tuple(TABLE_MODELS)

if TYPE_CHECKING:  # pandas is imported when a table is exported, not when the CLI starts
    import pandas as pd


def frame(conn: sqlite3.Connection, table: str, filters: Filters) -> "pd.DataFrame":
    import pandas as pd

    query, params = select(table, filters)
    # nullable dtypes keep integer columns integers where some values are missing
    return pd.read_sql_query(query, conn, params=params, dtype_backend="numpy_nullable")


def load(table: str = "findings", db: Union[str, Path] = "evidence.db", **filters: Any) -> "pd.DataFrame":
    """A table of the database as a pandas DataFrame, filtered like the CLI:

    >>> evidence.load("findings", condition="cancer", certainty=["moderate", "high"])
    """
    with connect(db) as conn:
        return frame(conn, table, filters)


def _csv(df: "pd.DataFrame", table: str) -> Union[str, bytes]:
    return df.to_csv(index=False, lineterminator="\n")


def _json(df: "pd.DataFrame", table: str) -> Union[str, bytes]:
    return df.to_json(orient="records", force_ascii=False, indent=2) + "\n"


def _parquet(df: "pd.DataFrame", table: str) -> Union[str, bytes]:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def _xlsx(df: "pd.DataFrame", table: str) -> Union[str, bytes]:
    buffer = io.BytesIO()
    df.to_excel(buffer, index=False, sheet_name=table[:31], engine="openpyxl")
    return fixed_zip_times(buffer.getvalue())


def fixed_zip_times(data: bytes) -> bytes:
    """An .xlsx file with fixed member times and document dates, so one export equals the next."""
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
        return Output(render(df, table), len(df), f"rows of {table}")
    return write


register(Format("table", "csv", "text/csv; charset=utf-8", "csv", _writer(_csv), default=True))
register(Format("table", "json", "application/json", "json", _writer(_json)))
register(Format("table", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                _writer(_xlsx), binary=True, site_tables=("findings", "sources", "economic_evaluations")))
register(Format("table", "parquet", "application/vnd.apache.parquet", "parquet", _writer(_parquet), binary=True))
