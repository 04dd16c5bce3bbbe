"""The read layer: filters to SQL, a read-only connection, rows as dicts, named SQL files.

Every export, page and diff reads the database through this module. Filters work as on the site:
``condition=cancer, certainty=moderate`` keeps the rows that match every option (any of the values
given for one option). Column names are the database's.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

from .problems import EvidenceError
from .columns import COLUMNS, PRIMARY_KEYS
from .search_indexes import script as search_indexes_script

SQL = Path(__file__).with_name("sql")
TABLES = tuple(COLUMNS)  # every table of the schema (evidence/columns.py, generated from evidence/schema.py)
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
ONCE = "once"  # a flag, not a column: leave out the rows that repeat another row's result (same_result_as)
GENERATED = {"fts": search_indexes_script}  # the full-text indexes, from their declaration (evidence/search_indexes.py)
Filters = Mapping[str, Union[str, Iterable[str], None]]


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """A named query from evidence/sql/NAME.sql, or a generated one (GENERATED)."""
    if name in GENERATED:
        return GENERATED[name]()
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


def connect(db: Union[str, Path]) -> sqlite3.Connection:
    """A read-only connection; a missing database is a clear error, not an empty new file."""
    db = Path(db)
    if not db.is_file():
        raise EvidenceError(f"{db}: no such database (run `evidence build` first)")
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def records(conn: sqlite3.Connection, query: str, params: Any = ()) -> list[dict]:
    """Rows as dicts, through a cursor of its own: the connection (maybe Datasette's) is left as it was."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return [dict(row) for row in cursor.execute(query, params)]


def normalise(filters: Filters) -> dict[str, tuple[str, ...]]:
    """Filter values as tuples; unknown options are an error, empty ones are dropped."""
    out = {}
    for option, values in filters.items():
        if option == ONCE:  # True, "1" or ["1"]; False, "0" or ["0"] keep every row
            flag = values[0] if isinstance(values, (list, tuple)) and values else values
            if flag and str(flag).lower() not in ("0", "false"):
                out[ONCE] = ("true",)
            continue
        if option not in FILTERS:
            raise EvidenceError(f"unknown filter '{option}'; filters: {', '.join((*FILTERS, ONCE))}")
        if values is None or values == () or values == []:
            continue
        out[option] = (values,) if isinstance(values, str) else tuple(values)
    return out


# filter option -> where its values are listed: a vocabulary kind, or the sources
FILTER_TERMS = {"condition": "condition", "certainty": "certainty", "intervention_type": "intervention_type",
                "outcome": "outcome", "source": None}


def check_filter_values(conn: sqlite3.Connection, filters: Filters) -> None:
    """Refuse a filter value the database does not know (an empty export would look like "no evidence"):
    the error names the closest known value, or lists them all when there are few."""
    import difflib

    for option, values in normalise(filters).items():
        if option not in FILTER_TERMS:
            continue
        kind = FILTER_TERMS[option]
        known = [r[0] for r in (conn.execute("select id from vocabulary where kind = ? order by id", [kind]) if kind
                                else conn.execute("select id from sources order by id"))]
        for value in values:
            if value in known:
                continue
            close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
            hint = (f"did you mean '{close[0]}'?" if close else
                    f"known: {', '.join(known)}" if len(known) <= 12 else f"{len(known)} known values, e.g. {', '.join(known[:5])}")
            raise EvidenceError(f"--{option.replace('_', '-')} '{value}' is not a known {kind or 'source id'} ({hint})")


def _in(column: str, values: tuple[str, ...]) -> tuple[str, list[str]]:
    return f"{column} in ({', '.join('?' * len(values))})", list(values)


def select(table: str, filters: Filters, columns: str = "*") -> tuple[str, list[str]]:
    """SQL and parameters for the rows of ``table`` that match the filters, in primary-key order."""
    if table not in COLUMNS:
        raise EvidenceError(f"unknown table '{table}'; tables: {', '.join(TABLES)}")
    known = {name for name, _ in COLUMNS[table]}
    clauses: list[tuple[str, list[str]]] = []
    filters = normalise(filters)
    if table == "sources":
        clauses = _source_clauses(filters)
    else:
        for option, values in filters.items():
            if option == ONCE:
                if "same_result_as" in known:
                    clauses.append(("same_result_as is null", []))
                continue
            if FILTERS[option] not in known:
                raise EvidenceError(f"--{option.replace('_', '-')} does not apply to the {table} table")
            clauses.append(_in(FILTERS[option], values))
    where = " where " + " and ".join(c for c, _ in clauses) if clauses else ""
    order = ", ".join(PRIMARY_KEYS[table])
    return f"select {columns} from {table}{where} order by {order}", [p for _, ps in clauses for p in ps]


def _source_clauses(filters: dict[str, tuple[str, ...]]) -> list[tuple[str, list[str]]]:
    """Sources by id, by the conditions they cover, or by having a finding that matches."""
    clauses = []
    if "source" in filters or "id" in filters:
        clauses.append(_in("id", filters.get("source", ()) + filters.get("id", ())))
    if "condition" in filters:
        sql_, params = _in("value", filters["condition"])
        clauses.append((f"exists (select 1 from json_each(sources.conditions) where {sql_})", params))
    if any(o in filters for o in FINDING_ONLY):  # certainty etc. describe findings: sources that have one
        finding = [_in(FILTERS[o], filters[o]) for o in (*FINDING_ONLY, "condition") if o in filters]
        if ONCE in filters:
            finding.append(("same_result_as is null", []))
        sql_ = " and ".join(c for c, _ in finding)
        clauses.append((f"id in (select source_id from findings where {sql_})", [p for _, ps in finding for p in ps]))
    return clauses


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
