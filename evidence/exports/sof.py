"""Summary-of-Findings tables, laid out as in Cochrane and GRADEpro: per condition or per source.

Each row gives outcome and timepoint, the comparison, the relative effect with its 95% CI, studies
and participants, certainty with ⊕ symbols, and the statement; footnotes explain each downgrade.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from itertools import groupby
from typing import Optional

from jinja2 import Environment, PackageLoader, select_autoescape

from ..presenter import certainty_text, effect_text, footnotes, studies_text
from ..read import Filters, records, select, sql
from ..vocabulary import scales
from . import Format, Output, register

GROUPINGS = {"condition": ("condition", "condition_label"), "source": ("source_id", "source_label")}
FORMATS = ("md", "html")


@dataclass
class Row:
    id: str
    outcome: str
    timepoint: str
    comparison: str
    effect: str
    studies: str
    certainty: Optional[str]
    certainty_text: str
    statement: str
    source: str
    notes: list[int] = field(default_factory=list)


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)


def tables(conn: sqlite3.Connection, filters: Filters, by: str = "condition") -> list[Table]:
    """The SoF tables for the findings that match ``filters``, one per condition or per source."""
    ids = [row[0] for row in conn.execute(*select("findings", filters, "id"))]
    findings = records(conn, sql("sof_findings"), {"ids": json.dumps(ids)})
    key, label = GROUPINGS[by]
    result = []
    for _, group in groupby(sorted(findings, key=lambda f: f[label]), key=lambda f: f[key]):
        group = list(group)
        table = Table(title=group[0][label])
        for f in group:
            row = Row(f["id"], f["outcome_label"], f["timepoint"] or "", _comparison(f), effect_text(f),
                      studies_text(f), f["certainty"], certainty_text(f["certainty"]), f["statement"], f["source_label"])
            for note in footnotes(f):
                table.footnotes.append(note)
                row.notes.append(len(table.footnotes))
            table.rows.append(row)
        result.append(table)
    return result


def _comparison(f: dict) -> str:
    return f"{f['intervention']} vs {f['comparator']}" if f["comparator"] else f["intervention"]


def legend() -> str:
    """The GRADE certainty legend, most certain first: "⊕⊕⊕⊕ high, ⊕⊕⊕◯ moderate, …"."""
    return ", ".join(certainty_text(level) for level in scales().ranked("certainty"))


ENV = Environment(loader=PackageLoader("evidence", "templates"), autoescape=select_autoescape(["html"]),
                  keep_trailing_newline=True,
                  trim_blocks=True, lstrip_blocks=True)
ENV.filters["md_cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")


def render(result: list[Table], fmt: str, title: str = "Summary of findings") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown SoF format {fmt}")
    return ENV.get_template(f"sof.{fmt}").render(tables=result, title=title, legend=legend(),
                                                 certainty=scales().terms("certainty"))


def _writer(fmt: str):
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict) -> Output:
        result = tables(conn, filters, options.get("by") or "condition")
        return Output(render(result, fmt), len(result), "Summary-of-Findings table(s)")
    return write


register(Format("sof", "md", "text/markdown; charset=utf-8", "md", _writer("md"), default=True))
register(Format("sof", "html", "text/html; charset=utf-8", "html", _writer("html"), site_tables=("findings",),
                extension="sof"))
