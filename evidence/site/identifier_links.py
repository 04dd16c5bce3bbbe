"""Link DOIs to doi.org and PMIDs to PubMed wherever they appear."""

from __future__ import annotations

from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup, escape

from . import DATABASE

TARGETS = {
    "doi": "https://doi.org/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
}


def identifier_link(column: str, value: object) -> Markup | None:
    if column not in TARGETS or not isinstance(value, str) or not value:
        return None
    href = TARGETS[column].format(quote(value, safe="/:;()._-"))
    return Markup(f'<a href="{escape(href)}" rel="noopener">{escape(value)}</a>')


@hookimpl
def render_cell(value, column, database):
    if database == DATABASE:
        return identifier_link(column, value)


@hookimpl
def prepare_jinja2_environment(env):
    env.globals["identifier_link"] = identifier_link
