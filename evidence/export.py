"""Exports for researchers: filtered tables as CSV, JSON, Excel or Parquet, and ``load`` for notebooks.

Filters work as on the site: ``--condition cancer --certainty moderate`` keeps the findings that
match every option (any of the values given for one option). Column names are the database's.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Union

import pandas as pd

from .problems import EvidenceError
from .schema import TABLES

TABLE_MODELS = {model.__tablename__: model for model in TABLES}
TABLE_FORMATS = ("csv", "json", "xlsx", "parquet")
BINARY_FORMATS = ("xlsx", "parquet")
# filter option -> column it selects on
FILTERS = {
    "condition": "condition",
    "certainty": "certainty",
    "intervention_type": "intervention_type",
    "outcome": "outcome",
    "source": "source_id",
    "id": "id",
}
FINDING_ONLY = ("certainty", "intervention_type", "outcome")
Filters = Mapping[str, Union[str, Iterable[str], None]]
FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip member times in .xlsx files, so that exports are reproducible


def normalise(filters: Filters) -> dict[str, tuple[str, ...]]:
    """Filter values as tuples; unknown options are an error, empty ones are dropped."""
    out = {}
    for option, values in filters.items():
        if option not in FILTERS:
            raise EvidenceError(f"unknown filter '{option}'; filters: {', '.join(FILTERS)}")
        if values is None or values == () or values == []:
            continue
        out[option] = (values,) if isinstance(values, str) else tuple(values)
    return out


def _in(column: str, values: tuple[str, ...]) -> tuple[str, list[str]]:
    return f"{column} in ({', '.join('?' * len(values))})", list(values)


def select(table: str, filters: Filters, columns: str = "*") -> tuple[str, list[str]]:
    """SQL and parameters for the rows of ``table`` that match the filters, in primary-key order."""
    if table not in TABLE_MODELS:
        raise EvidenceError(f"unknown table '{table}'; tables: {', '.join(TABLE_MODELS)}")
    known = set(TABLE_MODELS[table].__table__.columns.keys())
    clauses: list[tuple[str, list[str]]] = []
    filters = normalise(filters)
    if table == "sources":
        clauses = _source_clauses(filters)
    else:
        for option, values in filters.items():
            if FILTERS[option] not in known:
                raise EvidenceError(f"--{option.replace('_', '-')} does not apply to the {table} table")
            clauses.append(_in(FILTERS[option], values))
    where = " where " + " and ".join(c for c, _ in clauses) if clauses else ""
    order = ", ".join(c.name for c in TABLE_MODELS[table].__table__.primary_key.columns)
    return f"select {columns} from {table}{where} order by {order}", [p for _, ps in clauses for p in ps]


def _source_clauses(filters: dict[str, tuple[str, ...]]) -> list[tuple[str, list[str]]]:
    """Sources by id, by the conditions they cover, or by having a finding that matches."""
    clauses = []
    if "source" in filters or "id" in filters:
        clauses.append(_in("id", filters.get("source", ()) + filters.get("id", ())))
    if "condition" in filters:
        sql, params = _in("value", filters["condition"])
        clauses.append((f"exists (select 1 from json_each(sources.conditions) where {sql})", params))
    if any(o in filters for o in FINDING_ONLY):  # certainty etc. describe findings: sources that have one
        finding = [_in(FILTERS[o], filters[o]) for o in (*FINDING_ONLY, "condition") if o in filters]
        sql = " and ".join(c for c, _ in finding)
        clauses.append((f"id in (select source_id from findings where {sql})", [p for _, ps in finding for p in ps]))
    return clauses


def connect(db: Union[str, Path]) -> sqlite3.Connection:
    """A read-only connection; a missing database is a clear error, not an empty new file."""
    db = Path(db)
    if not db.is_file():
        raise EvidenceError(f"{db}: no such database (run `evidence build` first)")
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def frame(conn: sqlite3.Connection, table: str, filters: Filters) -> pd.DataFrame:
    sql, params = select(table, filters)
    # nullable dtypes keep integer columns integers where some values are missing
    return pd.read_sql_query(sql, conn, params=params, dtype_backend="numpy_nullable")


def load(table: str = "findings", db: Union[str, Path] = "evidence.db", **filters) -> pd.DataFrame:
    """A table of the database as a pandas DataFrame, filtered like the CLI:

    >>> evidence.load("findings", condition="cancer", certainty=["moderate", "high"])
    """
    with connect(db) as conn:
        return frame(conn, table, filters)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside ``path`` so a failure never leaves half a file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise EvidenceError(f"{path.parent}: the folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def table_text(df: pd.DataFrame, fmt: str) -> str:
    """CSV or JSON text of a table (the text formats, for files and for standard output)."""
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    return df.to_json(orient="records", force_ascii=False, indent=2) + "\n"


def write_table(df: pd.DataFrame, path: Path, fmt: str, sheet: str = "data") -> None:
    if fmt not in TABLE_FORMATS:
        raise EvidenceError(f"unknown format '{fmt}' for a table; formats: {', '.join(TABLE_FORMATS)}")
    if fmt in BINARY_FORMATS:
        atomic_write(path, lambda tmp: BINARY_WRITERS[fmt](df, tmp, sheet))
    else:
        atomic_write(path, lambda tmp: tmp.write_text(table_text(df, fmt), encoding="utf-8"))


def _parquet(df: pd.DataFrame, path: Path, sheet: str) -> None:
    df.to_parquet(path, index=False, engine="pyarrow")


def _xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    df.to_excel(path, index=False, sheet_name=sheet[:31], engine="openpyxl")
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Give an .xlsx file fixed member times and document dates, so one export equals the next."""
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = "2000-01-01T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            target.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)


BINARY_WRITERS = {"xlsx": _xlsx, "parquet": _parquet}


def export_table(db: Path, table: str, filters: Filters, path: Path, fmt: str) -> int:
    """Write the filtered table to ``path``; returns the number of rows written."""
    with connect(db) as conn:
        df = frame(conn, table, filters)
    write_table(df, path, fmt, sheet=table)
    return len(df)


def source_ids(conn: sqlite3.Connection, filters: Filters) -> Optional[list[str]]:
    """The sources a filtered set cites: those of the matching findings and economic evaluations."""
    filters = normalise(filters)
    if not filters:
        return None
    tables = ["findings"] if any(o in filters for o in FINDING_ONLY) else ["findings", "economic_evaluations"]
    ids = {row[0] for table in tables for row in conn.execute(*select(table, filters, "source_id"))}
    if tables == ["findings", "economic_evaluations"] and "id" not in filters:
        ids |= {row[0] for row in conn.execute(*select("sources", filters, "id"))}  # e.g. ongoing studies
    return sorted(ids)
