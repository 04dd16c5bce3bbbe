"""Show GRADE certainty as symbols with a colour and the word: ⊕⊕⊕◯ moderate. Symbols, words and
colours come from the certainty scale in the vocabulary (also served as CSS at /-/terms.css)."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from ..presenter import NOT_RATED
from ..languages import name_column
from ..vocabulary import scales
from . import is_site_database
from .i18n import current, t


def certainty_word(value: object) -> str:
    """"moderate" (or "redelijk"), or "not GRADE-rated"."""
    term = scales().term("certainty", value)
    if term is None:
        return t(NOT_RATED) if value is None else str(value)
    return term[name_column(current())]


def certainty_html(value: object) -> Markup:
    if value is None:
        return Markup(f'<span class="certainty certainty-none">{escape(t(NOT_RATED))}</span>')
    term = scales().term("certainty", value)
    if term is None:
        return Markup(escape(value))
    word = escape(certainty_word(value))
    return Markup(
        f'<span class="certainty certainty-{value}" title="GRADE certainty: {word}">'
        f'<span class="symbols" aria-hidden="true">{term["symbol"]}</span> {word}</span>'
    )


def certainty_rank(value: object) -> int:
    term = scales().term("certainty", value)
    return (term["rank"] or 0) if term else 0


def terms_css() -> str:
    """Certainty colours as CSS: text colours, and backgrounds for gap-map cells and legends."""
    lines = []
    for level, term in scales().terms("certainty").items():
        lines.append(f".certainty-{level} {{ color: {term['colour']}; }}")
        lines.append(f".best-{level} {{ background: {term['background']}; }}")
    return "\n".join(lines) + "\n"


async def css(request):
    return Response(terms_css(), content_type="text/css; charset=utf-8")


@hookimpl
def register_routes():
    return [(r"^/-/terms\.css$", css)]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/terms.css")]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "certainty" and table != "vocabulary" and is_site_database(datasette, database):
        return certainty_html(value)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["certainty"] = certainty_html
    env.globals.update(certainty_word=certainty_word, certainty_rank=certainty_rank,
                       certainty_levels=lambda: scales().ranked("certainty"),
                       status_in_overviews=lambda status: bool((scales().term("status", status) or {}).get("in_overviews")),
                       certainty_symbol=lambda v: (scales().term("certainty", v) or {}).get("symbol", ""))
