"""Rows into the tables without SQLAlchemy: the row type the build holds findings in, the keyed rowids, the
INSERT of every column, and the tables build_info counts, all read from evidence/columns.py (generated
from evidence/schema.py), so an incremental build writes its few rows without loading the schema.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any, Iterable

from .columns import COLUMNS, PRIMARY_KEYS, TERM_COLUMNS


class Row:
    """One row of a table as a tuple in the table's column order, read by column name like a dict.

    The build holds every finding until it writes them: as a dict a finding costs about 4 KB, as a
    tuple about 0.6 KB, and the tuple is what ``executemany`` takes. Columns the mapping lacks are
    None; keys that are not columns (``studies``) are left out.
    """

    __slots__ = ("values",)
    columns: dict[str, int] = {}
    terms: tuple[int, ...] = ()  # positions of the columns whose values are vocabulary terms

    def __init__(self, mapping: dict[str, Any]):
        values = list(map(mapping.get, self.columns))
        for i in self.terms:  # a few hundred distinct values, each held once instead of once per row
            if type(values[i]) is str:
                values[i] = sys.intern(values[i])
        self.values = tuple(values)

    def __getitem__(self, name: str) -> Any:
        return self.values[self.columns[name]]

    def get(self, name: str, default: Any = None) -> Any:
        index = self.columns.get(name)
        return default if index is None else self.values[index]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(zip(self.columns, self.values))!r})"


def row_type(table: str, name: str) -> type[Row]:
    """The Row class of a table."""
    columns = {column: i for i, (column, _) in enumerate(COLUMNS[table])}
    terms = tuple(columns[column] for column in TERM_COLUMNS.get(table, ()))
    return type(name, (Row,), {"__slots__": (), "columns": columns, "terms": terms})


FindingRow, StudyResultRow = row_type("findings", "FindingRow"), row_type("study_results", "StudyResultRow")


def insert_sql(table: str) -> tuple[str, list[str]]:
    """An INSERT for every column of the table, with ? placeholders, and the column order."""
    names = [column for column, _ in COLUMNS[table]]
    return (f"INSERT INTO {table} ({', '.join(quoted(n) for n in names)}) VALUES ({', '.join('?' * len(names))})",
            names)


def quoted(name: str) -> str:
    """An identifier as SQL takes it: quoted always, so a column named like a keyword is a column."""
    return '"' + name.replace('"', '""') + '"'


# The tables an incremental build rewrites in part (input_blocks: the blocks that changed): a row's rowid is a hash of its primary key (``keyed_rowid``),
# so it is the same whoever wrote the row and in whatever order (a full build, or an incremental build that
# deletes a source's rows and inserts them again). Rowids show as ``rid`` in the search views and order
# the bounded searches' cut-off. Every other table is written whole, in one order, by both builds.
KEYED_ROWID = ("sources", "findings", "economic_evaluations", "study_results", "input_blocks")


def keyed_rowid(*key: Any) -> int:
    """A positive 63-bit rowid from a primary key (two of a million keys share one with odds of about 1 in
    20 million; the insert then fails, as a duplicate key would, and nothing is written)."""
    text = key[0] if len(key) == 1 and type(key[0]) is str else "\x1f".join(map(str, key))  # one id: no join
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1 or 1


def insert_rows(conn: Any, table: str, rows: Iterable[Any]) -> None:
    """One executemany of the rows (Rows, or mappings by column name) into the table, as they come; for
    the KEYED_ROWID tables with their rowids, in rowid order (each page is filled as it is appended)."""
    statement, names = insert_sql(table)
    values = (row.values if isinstance(row, Row) else tuple(row.get(n) for n in names) for row in rows)
    if table in KEYED_ROWID:
        key = [names.index(c) for c in PRIMARY_KEYS[table]]
        statement = statement.replace(" (", " (rowid, ", 1).replace("VALUES (", "VALUES (?, ", 1)
        values = sorted(((keyed_rowid(*(v[i] for i in key)), *v) for v in values), key=lambda v: v[0])
    conn.executemany(statement, values)


UNCOUNTED = ("build_info", "changes", "history", "input_blocks")  # tables build_info.row_counts leaves out


def counted_tables() -> list[str]:
    """The tables whose row counts build_info records."""
    return [table for table in COLUMNS if table not in UNCOUNTED]
