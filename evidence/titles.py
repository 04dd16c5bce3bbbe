"""The tables a reader sees, declared once: each with its title (the site's pages and links, the changes
pages, `evidence diff` and the changelog; the site translates titles with the language files,
evidence/languages/) and the roles that say which lists it is in. Every list of tables (the /data
page's, the ones `evidence diff` compares, the records the site links to, …) is ``tables(role)``, in the
order declared here; a table not listed is called by its name ("study_results" -> "Study results").

Roles:
  listed    offered on the /data page (with its downloads)
  diffed    compared record by record between builds (`evidence diff`, the changes pages); ``summary``
            is the column that says what a record is
  record    a record with a page or an anchor the site links to by its id
  sourced   a source or what is read from it: a row page of its own, its references (BibTeX, RIS),
            a download of its own rows
  counted   results that may be read in two documents: counted once (``same_result_as``)
  guideline a recommendation or consideration of a guideline question (Dutch as printed, with a translation)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    roles: frozenset[str] = frozenset()
    summary: Optional[str] = None  # the column that says what a record is (diffed tables)


def _table(name: str, title: str, roles: str = "", summary: Optional[str] = None) -> Table:
    return Table(name, title, frozenset(roles.split()), summary)


TABLES = (
    _table("sources", "Sources", "listed diffed record sourced", "label"),
    _table("findings", "Findings", "listed diffed record sourced counted", "statement"),
    _table("economic_evaluations", "Economic evaluations", "listed diffed record sourced counted", "statement"),
    _table("questions", "Guideline modules", "listed diffed record", "question"),
    _table("recommendations", "Recommendations", "listed diffed record guideline", "text"),
    _table("considerations", "Considerations", "listed diffed guideline", "summary_en"),
    _table("study_results", "Study results", "listed"),
    _table("conditions", "Conditions", "listed"),
    _table("intervention_types", "Intervention types", "listed"),
    _table("outcomes", "Outcomes", "listed"),
    _table("vocabulary", "Vocabulary", "listed"),
    _table("documents", "Documents"),
    _table("changes", "Changes"),
    _table("build_info", "Build"),
    _table("question_findings", "Findings behind the guideline"),
    _table("findings_labelled", "Findings with their names"),
    _table("counted_findings", "Findings, each result counted once"),
    _table("counted_economic_evaluations", "Economic evaluations, each result counted once"),
    _table("condition_lineage", "Conditions and their broader conditions"),
)
ROLES = ("listed", "diffed", "record", "sourced", "counted", "guideline")
TABLE_TITLES = {table.name: table.title for table in TABLES}


def tables(role: str) -> tuple[str, ...]:
    """The tables with ``role``, in the order declared."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return tuple(table.name for table in TABLES if role in table.roles)


def title(table: str) -> str:
    """What ``table`` is called (in English): its declared title, else its name as words."""
    return TABLE_TITLES.get(table) or table.replace("_", " ").capitalize()
