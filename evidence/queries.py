"""Named SQL queries, kept as files in evidence/sql/ rather than strings in Python."""

import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

SQL = Path(__file__).with_name("sql")


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


def records(conn: sqlite3.Connection, query: str, params: Any = ()) -> list[dict]:
    """Rows as dicts, through a cursor of its own: the connection (maybe Datasette's) is left as it was."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return [dict(row) for row in cursor.execute(query, params)]
