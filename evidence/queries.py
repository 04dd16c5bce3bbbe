"""Named SQL queries, kept as files in evidence/sql/ rather than strings in Python."""

from functools import lru_cache
from pathlib import Path

SQL = Path(__file__).with_name("sql")


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")
