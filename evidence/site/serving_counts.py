"""The counts the site serves precomputed (evidence/sql/serving_counts.sql, run by the build after the
rows are in): their tables, and ``refresh`` to derive them again on a finished database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..read import sql

SCRIPT = "serving_counts"  # in evidence/build.py's AFTER_INSERT
TABLES = ("facet_counts", "finding_counts", "condition_counts", "document_counts", "change_counts")
INDEXES = ("ix_findings_comparison", "ix_findings_no_evidence")


def refresh(db: Path) -> None:
    """Re-derive the tables on ``db`` (every statement is DROP … IF EXISTS; CREATE … AS SELECT)."""
    conn = sqlite3.connect(db)
    try:
        conn.executescript(sql(SCRIPT))
    finally:
        conn.close()
