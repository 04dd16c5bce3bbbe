"""Show GRADE certainty as symbols with a colour and the word: ⊕⊕⊕◯ moderate."""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from ..grade import SYMBOLS
from ..vocabulary import terms
from . import DATABASE


def certainty_html(value: object) -> Markup:
    if value is None:
        return Markup('<span class="certainty certainty-none">not GRADE-rated</span>')
    if value not in SYMBOLS:
        return Markup(escape(value))
    word = terms("certainty")[value]["name"]
    return Markup(
        f'<span class="certainty certainty-{value}" title="GRADE certainty: {word}">'
        f'<span class="symbols" aria-hidden="true">{SYMBOLS[value]}</span> {word}</span>'
    )


@hookimpl
def render_cell(value, column, database):
    if database == DATABASE and column == "certainty":
        return certainty_html(value)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["certainty"] = certainty_html
