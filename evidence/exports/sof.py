"""Summary-of-Findings tables laid out as GRADEpro and Cochrane lay them out: one table per comparison
(intervention vs comparator for a population), grouped by condition or by source.

Columns in GRADEpro's order: outcome with timepoint; anticipated absolute effects (95% CI) spanning risk
with comparator and risk with intervention; relative effect (95% CI); № of participants (studies);
certainty; comments. Under each table, as GRADEpro prints them: the note that the intervention risk
rests on the comparator risk and the relative effect, the abbreviations the table uses, and the
footnotes. Footnote marks are separated ("1,2"): downgrade reasons on the certainty, the estimate's
provenance on the cell that shows the estimate (never on an empty cell). Every cell is formatted by the
one presenter. A finding that repeats another's result (``same_result_as``) is left out by default
(``once``); with repeats, its row says which finding it repeats.
"""

from __future__ import annotations

import html
import sqlite3
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator, Optional

from jinja2 import Environment, PackageLoader, select_autoescape

from ..presenter import absolute_effects, certainty_text, continuous_text, domain_footnotes, effect_source_note, \
    participants_text, relative_text
from ..read import ONCE, Filters, select
from ..vocabulary import scales
from . import Format, Output, provenance, provenance_text, register, text

GROUPINGS = {"condition": ("condition", "condition_label"), "source": ("source_id", "source_label")}
NOT_APPLICABLE = "—"
HEADERS = ("Outcomes", "Risk with comparator", "Risk with intervention*", "Relative effect (95% CI)",
           "№ of participants (studies)", "Certainty of the evidence (GRADE)", "Comments")
SPANNING = "Anticipated absolute effects (95% CI)"  # over the two risk columns
# GRADEpro's note under every SoF table
RISK_NOTE = ("*The risk in the intervention group (and its 95% confidence interval) is based on the assumed "
             "risk in the comparison group and the relative effect of the intervention (and its 95% CI).")
NO_SETTING = "not recorded (see the sources in the comments)"
NOTHING = "No findings match these filters."


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
    intervention_notes: list[int] = field(default_factory=list)
    repeats: Optional[str] = None  # the finding whose result this row repeats (same_result_as)


@dataclass
class Table:
    title: str  # "<intervention> compared with <comparator> for <condition>"
    group: str  # the condition or source the table belongs to
    population: str = ""
    intervention: str = ""
    comparison: str = ""
    rows: list[Row] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    setting: str = NO_SETTING
    measures: list[str] = field(default_factory=list)  # the effect measures the table shows

    @property
    def abbreviations(self) -> str:
        """"CI: confidence interval; RR: risk ratio": the abbreviations this table uses, named by the vocabulary."""
        terms = scales().terms("effect_measure")
        return "; ".join(["CI: confidence interval", *(f"{m}: {terms[m]['name']}" for m in self.measures if m in terms)])

    def note(self, text: str) -> int:
        """The footnote's number, adding it once per table."""
        if text not in self.footnotes:
            self.footnotes.append(text)
        return self.footnotes.index(text) + 1


def _comparison_key(f: dict) -> tuple:
    return (f["intervention"], f["comparator"] or "", f["population"])


def tables(conn: sqlite3.Connection, filters: Filters, by: str = "condition") -> list[Table]:
    """The SoF tables for the findings that match ``filters``: per condition (or source), per comparison."""
    return list(iter_tables(conn, filters, by))


def iter_tables(conn: sqlite3.Connection, filters: Filters, by: str = "condition") -> Iterator[Table]:
    """The same tables one at a time, from one query ordered as the tables are (per group by its label,
    per comparison, then outcome and follow-up): only the table being filled is in memory."""
    statuses = scales().terms("status")
    key, label = GROUPINGS[by]
    table: Optional[Table] = None
    current: Optional[tuple] = None
    if filters.get(ONCE) is None:  # an overview counts each result once unless asked for every row
        filters = {**filters, ONCE: True}
    for f in matching_findings(conn, filters, (label, key, "intervention", "coalesce(comparator, '')", "population")):
        this = (f[key], *_comparison_key(f))
        if this != current:
            if table is not None:
                yield table
            current = this
            intervention, comparator, population = _comparison_key(f)
            title = f"{intervention} compared with {comparator or 'no stated comparator'} for {f['condition_label']}"
            table = Table(title, f[label], population, intervention, comparator or "not stated")
        table.rows.append(_row(table, f, statuses))
    if table is not None:
        yield table


def matching_findings(conn: sqlite3.Connection, filters: Filters, first: tuple[str, ...] = ()) -> Iterator[dict]:
    """The labelled findings (sof_findings' columns) that match ``filters``, ordered by the columns
    ``first`` and then as sof_findings orders them, one at a time from a cursor of its own."""
    query, params = select("findings", filters, "id")
    order = ", ".join((*first, "condition", "source_id", "outcome", "coalesce(follow_up_months_max, 1e9)", "id"))
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    for row in cursor.execute(f"select * from findings_labelled where id in ({query}) order by {order}", params):
        yield dict(row)


def _row(table: Table, f: dict, statuses: dict) -> Row:
    absolute = absolute_effects(f)
    continuous = continuous_text(f)
    status = None if statuses[f["source_status"]]["in_overviews"] else statuses[f["source_status"]]["name"]
    comments = f["statement"] + f" ({f['source_label']})"
    if f.get("same_result_as"):
        comments += f" Same result as {f['same_result_as']}, where it is counted."
    relative = relative_text(f)
    row = Row(
        id=f["id"],
        outcome=f["outcome_label"] + (f" — {f['timepoint']}" if f["timepoint"] else ""),
        comparator_risk=absolute["comparator"] if absolute else NOT_APPLICABLE,
        intervention_risk=absolute["intervention"] if absolute else (continuous or NOT_APPLICABLE),
        relative=relative or NOT_APPLICABLE,
        participants=participants_text(f) or NOT_APPLICABLE,
        certainty=f["certainty"],
        certainty_text=certainty_text(f["certainty"]),
        comments=comments,
        status=status,
        repeats=f.get("same_result_as"),
    )
    row.certainty_notes = [table.note(n) for n in domain_footnotes(f)]
    source_note = effect_source_note(f)
    # the note on the cell that shows the estimate; an estimate the table does not show gets no note
    if source_note and relative:
        row.relative_notes.append(table.note(source_note))
    elif source_note and continuous and not absolute:
        row.intervention_notes.append(table.note(source_note))
    if (relative or continuous) and f["effect_measure"] not in table.measures:
        table.measures.append(f["effect_measure"])
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


def render(result: Iterable[Table], fmt: str, title: str = "Summary of findings", about: Optional[str] = None) -> str:
    return "".join(stream(result, fmt, title, about))


def stream(result: Iterable[Table], fmt: str, title: str = "Summary of findings",
           about: Optional[str] = None) -> Iterator[str]:
    """The Markdown or HTML document, a piece at a time (the tables may be an iterator); ``about`` is
    the title block's line saying which release the tables come from."""
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown SoF text format {fmt}")
    return ENV.get_template(f"sof.{fmt}").generate(
        tables=result, title=title, about=about, legend=legend(), definitions=definitions(),
        certainty=scales().terms("certainty"), headers=HEADERS, spanning=SPANNING, risk_note=RISK_NOTE,
        nothing=NOTHING)


def counted(items: Iterable, counter: list[int]) -> Iterator:
    """``items``, counting them into counter[0] as they pass."""
    for item in items:
        counter[0] += 1
        yield item


def _writer(fmt: str):
    def write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
        count = [0]
        result = counted(iter_tables(conn, filters, options.get("by") or "condition"), count)
        info = provenance(conn)
        with text(out) as f:
            for piece in stream(result, fmt, about=provenance_text(info)):
                f.write(piece)
        return Output(count[0], "Summary-of-Findings table(s)")
    return write


register(Format("sof", "md", "text/markdown; charset=utf-8", "md", _writer("md"), default=True))
register(Format("sof", "html", "text/html; charset=utf-8", "html", _writer("html"), site_tables=("findings",),
                extension="sof", title="Summary of Findings"))
# the Word document registers in sof_docx, which reads these tables
