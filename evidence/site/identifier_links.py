"""Link DOIs to doi.org, PMIDs to PubMed and PMCIDs to PubMed Central wherever they appear."""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup, escape

from . import is_site_database

TARGETS = {
    "doi": "https://doi.org/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "pmcid": "https://pmc.ncbi.nlm.nih.gov/articles/{}/",
}
PMCID = re.compile(r"\bpmcid\s*=\s*[{\"]\s*(PMC\d+)\s*[}\"]", re.I)


def identifier_link(column: str, value: object) -> Markup | None:
    if column not in TARGETS or not isinstance(value, str) or not value:
        return None
    href = TARGETS[column].format(quote(value, safe="/:;()._-"))
    return Markup(f'<a href="{escape(href)}" rel="noopener">{escape(value)}</a>')


def pmcid_of(bibtex: Optional[str]) -> Optional[str]:
    """The PMCID a source's BibTeX entry gives, if any (the sources table has no column of its own)."""
    found = PMCID.search(bibtex or "")
    return found.group(1) if found else None


@hookimpl
def render_cell(value, column, database, datasette):
    if column in TARGETS and is_site_database(datasette, database):
        return identifier_link(column, value)


@hookimpl
def prepare_jinja2_environment(env):
    env.globals["identifier_link"] = identifier_link
    env.globals["pmcid_of"] = pmcid_of
