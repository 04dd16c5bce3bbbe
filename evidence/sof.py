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

from .export import Filters, select
from .grade import SYMBOLS
from .queries import records, sql
from .schema import GRADE_DOMAINS, GRADE_UPGRADES
from .vocabulary import terms

GROUPINGS = {"condition": ("condition", "condition_label"), "source": ("source_id", "source_label")}
FORMATS = ("md", "html")
LEVELS_DOWN = {-1: "one level (serious concern)", -2: "two levels (very serious concern)"}


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


def certainty_text(value: Optional[str]) -> str:
    return f"{SYMBOLS[value]} {terms('certainty')[value]['name']}" if value in SYMBOLS else "not GRADE-rated"


def effect_text(f: dict) -> str:
    if f["effect"] is None:
        return "not reported"
    ci = f" ({f['ci_lower']:g} to {f['ci_upper']:g})" if f["ci_lower"] is not None else ""
    return f"{f['effect_measure']} {f['effect']:g}{ci}"


def studies_text(f: dict) -> str:
    studies, people = f["studies_n"], f["participants_n"]
    if studies is None and people is None:
        return "not reported"
    return f"{studies if studies is not None else '?'} ({people if people is not None else '?'})"


def footnotes_for(f: dict) -> list[str]:
    """Why the certainty was rated down (or up), and where the effect estimate was read."""
    notes = []
    for domain in GRADE_DOMAINS:
        if f[domain] is not None and f[domain] < 0:
            text = f"{domain.replace('_', ' ').capitalize()}: rated down {LEVELS_DOWN[f[domain]]}"
            notes.append(f"{text}. {f[domain + '_note']}" if f[domain + "_note"] else f"{text}.")
    for upgrade in GRADE_UPGRADES:
        if f[upgrade]:
            notes.append(f"{upgrade.replace('_', ' ').capitalize()}: rated up {f[upgrade]} level(s).")
    if f["effect_quote"]:
        notes.append(f"Effect estimate read in {f['effect_source_locator'] or f['effect_source_document']}.")
    return notes


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
            for note in footnotes_for(f):
                table.footnotes.append(note)
                row.notes.append(len(table.footnotes))
            table.rows.append(row)
        result.append(table)
    return result


def _comparison(f: dict) -> str:
    return f"{f['intervention']} vs {f['comparator']}" if f["comparator"] else f["intervention"]


ENV = Environment(loader=PackageLoader("evidence", "templates"), autoescape=select_autoescape(["html"]),
                  keep_trailing_newline=True,
                  trim_blocks=True, lstrip_blocks=True)
ENV.filters["md_cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")


def render(result: list[Table], fmt: str, title: str = "Summary of findings") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown SoF format {fmt}")
    return ENV.get_template(f"sof.{fmt}").render(tables=result, title=title)
