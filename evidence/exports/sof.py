"""Summary-of-Findings tables laid out as GRADEpro and Cochrane lay them out: one table per comparison
(intervention vs comparator for a population), grouped by condition or by source.

Columns in GRADEpro's order: outcome with timepoint; anticipated absolute effects (risk with comparator,
risk with intervention); relative effect (95% CI); № of participants (studies); certainty; comments.
Footnote marks are separated ("1,2"): downgrade reasons on the certainty, the estimate's provenance on
the relative effect. Every cell is formatted by the one presenter.
"""

from __future__ import annotations

import html
import json
import sqlite3
from dataclasses import dataclass, field
from itertools import groupby
from typing import Optional

from jinja2 import Environment, PackageLoader, select_autoescape

from ..presenter import absolute_effects, certainty_text, continuous_text, domain_footnotes, effect_source_note, \
    participants_text, relative_text
from ..read import Filters, records, select, sql
from ..vocabulary import scales
from . import Format, Output, register

GROUPINGS = {"condition": ("condition", "condition_label"), "source": ("source_id", "source_label")}
NOT_APPLICABLE = "—"


@dataclass
class Row:
    id: str
    outcome: str
    comparator_risk: str
    intervention_risk: str
    relative: str
    participants: str
    certainty: Optional[str]
    certainty_text: str
    comments: str
    status: Optional[str] = None  # the source's status where its findings do not count in overviews
    relative_notes: list[int] = field(default_factory=list)
    certainty_notes: list[int] = field(default_factory=list)


@dataclass
class Table:
    title: str  # "<intervention> compared with <comparator> for <condition>"
    group: str  # the condition or source the table belongs to
    population: str = ""
    intervention: str = ""
    comparison: str = ""
    rows: list[Row] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    def note(self, text: str) -> int:
        """The footnote's number, adding it once per table."""
        if text not in self.footnotes:
            self.footnotes.append(text)
        return self.footnotes.index(text) + 1


def _comparison_key(f: dict) -> tuple:
    return (f["intervention"], f["comparator"] or "", f["population"])


def tables(conn: sqlite3.Connection, filters: Filters, by: str = "condition") -> list[Table]:
    """The SoF tables for the findings that match ``filters``: per condition (or source), per comparison."""
    ids = [row[0] for row in conn.execute(*select("findings", filters, "id"))]
    findings = records(conn, sql("sof_findings"), {"ids": json.dumps(ids)})
    statuses = scales().terms("status")
    key, label = GROUPINGS[by]
    result = []
    for _, group in groupby(sorted(findings, key=lambda f: (f[label], f[key])), key=lambda f: f[key]):
        group = list(group)
        for comparison, rows in groupby(sorted(group, key=_comparison_key), key=_comparison_key):
            rows = list(rows)
            intervention, comparator, population = comparison
            title = f"{intervention} compared with {comparator or 'no stated comparator'} for {rows[0]['condition_label']}"
            table = Table(title, group[0][label], population, intervention, comparator or "not stated")
            for f in rows:  # in the query's order: outcome, then follow-up
                table.rows.append(_row(table, f, statuses))
            result.append(table)
    return result


def _row(table: Table, f: dict, statuses: dict) -> Row:
    absolute = absolute_effects(f)
    continuous = continuous_text(f)
    status = None if statuses[f["source_status"]]["in_overviews"] else statuses[f["source_status"]]["name"]
    comments = f["statement"] + f" ({f['source_label']})"
    row = Row(
        id=f["id"],
        outcome=f["outcome_label"] + (f" — {f['timepoint']}" if f["timepoint"] else ""),
        comparator_risk=absolute["comparator"] if absolute else NOT_APPLICABLE,
        intervention_risk=absolute["intervention"] if absolute else (continuous or NOT_APPLICABLE),
        relative=relative_text(f) or NOT_APPLICABLE,
        participants=participants_text(f) or NOT_APPLICABLE,
        certainty=f["certainty"],
        certainty_text=certainty_text(f["certainty"]),
        comments=comments,
        status=status,
    )
    row.certainty_notes = [table.note(n) for n in domain_footnotes(f)]
    source_note = effect_source_note(f)
    if source_note:
        row.relative_notes.append(table.note(source_note))
    return row


def legend() -> str:
    """The GRADE certainty legend, most certain first: "⊕⊕⊕⊕ high, ⊕⊕⊕◯ moderate, …"."""
    return ", ".join(certainty_text(level) for level in scales().ranked("certainty"))


def definitions() -> list[tuple[str, str]]:
    """The GRADE Working Group's certainty definitions, most certain first (from the vocabulary)."""
    terms = scales().terms("certainty")
    return [(certainty_text(level), terms[level]["description"]) for level in scales().ranked("certainty")]


def _md_cell(text: object) -> str:
    """Text in a Markdown table cell: HTML escaped (Markdown passes raw HTML such as <script> through,
    &lt;script&gt; shows as the text it is), then the table's | and newlines."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


ENV = Environment(loader=PackageLoader("evidence", "templates"), autoescape=select_autoescape(["html"]),
                  keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
ENV.filters["md_cell"] = _md_cell
ENV.filters["marks"] = lambda notes: ",".join(map(str, notes))


def render(result: list[Table], fmt: str, title: str = "Summary of findings") -> str:
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown SoF text format {fmt}")
    return ENV.get_template(f"sof.{fmt}").render(tables=result, title=title, legend=legend(),
                                                 definitions=definitions(), certainty=scales().terms("certainty"))


def _writer(fmt: str):
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict) -> Output:
        result = tables(conn, filters, options.get("by") or "condition")
        if fmt == "docx":
            from .sof_docx import docx_bytes

            content = docx_bytes(result, definitions())
        else:
            content = render(result, fmt)
        return Output(content, len(result), "Summary-of-Findings table(s)")
    return write


register(Format("sof", "md", "text/markdown; charset=utf-8", "md", _writer("md"), default=True))
register(Format("sof", "html", "text/html; charset=utf-8", "html", _writer("html"), site_tables=("findings",),
                extension="sof"))
register(Format("sof", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
                _writer("docx"), binary=True))
