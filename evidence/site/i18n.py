"""The site in every declared language (evidence/languages/: English, Dutch): ?lang=nl (or en) switches
the interface and is remembered in a cookie; every page sets <html lang> from it. Interface words come from
the language's file; the names of terms from the vocabulary (name, name_<code>). Templates call ``t(…)``
with the English text; text without a translation stays English (tests/test_site_pages.py checks that
every text the templates translate has a Dutch translation).

The wrapper also answers the old search address (/-/search) with the site's search page (/search).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache
from typing import Optional
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, parse_qsl, urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from ..languages import SOURCE, codes, language, name_column, others

DEFAULT = SOURCE  # the languages: codes(), English and one file for each other language (evidence/languages/)
COOKIE = "lang"
_lang: ContextVar[str] = ContextVar("evidence_lang", default=DEFAULT)


def current() -> str:
    return _lang.get()


def choose(query_string: bytes, cookie_header: str) -> tuple[str, bool]:
    """The language of a request and whether to remember it: ?lang= first, then the cookie."""
    asked = parse_qs(query_string.decode("latin-1")).get("lang", [None])[0]
    if asked in codes():
        return asked, True
    cookie = SimpleCookie()
    try:
        cookie.load(cookie_header)
    except Exception:  # a malformed cookie header is not the visitor's fault
        return DEFAULT, False
    stored = cookie.get(COOKIE)
    return (stored.value, False) if stored and stored.value in codes() else (DEFAULT, False)


def t(text: str) -> str:
    """``text`` in the current language (English when there is no translation)."""
    return language(current()).strings.get(text, text)


def __getattr__(name: str) -> dict[str, str]:
    """NL (and any other code in capitals): that language's strings, as evidence/languages/ declares them."""
    if name.lower() in others():
        return language(name.lower()).strings
    raise AttributeError(name)


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@lru_cache(maxsize=None)
def _number_words(code: str) -> Optional[re.Pattern]:
    words = language(code).number_words
    return re.compile(r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b") if words else None


def localised(text: object) -> str:
    """An effect, interval or count as it reads in the current language: "RR 1.23 (1.08 to 1.39)" is
    "RR 1,23 (1,08 tot 1,39)" in Dutch, and "47 fewer per 1000" "47 minder per 1000"."""
    if text is None:
        return ""
    text = str(text)
    lang = language(current())
    if lang.code == SOURCE:  # presenter.py and synthesis/absolute.py write them in English
        return text
    words = _number_words(lang.code)
    text = words.sub(lambda m: lang.number_words[m.group(1)], text) if words else text
    return _DECIMAL_POINT.sub(lang.decimal, text)


def day(value: object) -> str:
    """The date of an ISO timestamp as it reads: "7 December 2026", "7 december 2026"."""
    found = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not found:
        return str(value or "")
    year, month, date = (int(x) for x in found.groups())
    return f"{date} {language(current()).months[month - 1]} {year}"


ERROR_PREFIXES = ("No condition", "No release", "No question", "No such document", "Record not found",
                  "Table not found", "Database not found", "Row not found")


def error_message(message: object) -> str:
    """An error's message in the current language: its known beginning translated, the name after it kept
    ("No condition kanker" is "Geen aandoening kanker")."""
    text = str(message or "")
    for prefix in ERROR_PREFIXES:
        if text.startswith(prefix):
            return t(prefix) + text[len(prefix):]
    return t(text)


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """"1 finding", "2 findings", "1.234 bevindingen" in the current language."""
    n = count or 0
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{number(n)} {t(word)}"


def number(value: object) -> str:
    """A count as it reads: 1,234 in English, 1.234 in Dutch."""
    if not isinstance(value, int):
        return "" if value is None else str(value)
    return f"{value:,}".replace(",", language(current()).thousands)


def other_languages(request) -> list[tuple[str, str, str]]:
    """The current page in each other language: (its address, the language's code, what it calls itself)."""
    args = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k != "lang"] if request else []
    path = request.path if request is not None else "/"
    return [(f"{path}?{urlencode([*args, ('lang', code)])}", code, language(code).name)
            for code in codes() if code != current()]


def other_names(row: dict) -> list[tuple[str, str]]:
    """A term's names in the other languages, (code, name), as a term table's row holds them (name, name_<code>)."""
    return [(code, row[name_column(code)]) for code in codes() if code != current() and row.get(name_column(code))]


def bilingual(dutch: object, english: object = None, length: int | None = None) -> Markup:
    """Guideline text (Dutch as printed, with the curators' English translation) in the page's language,
    marked with its own lang attribute."""
    lang, text = ("en", english) if current() == "en" and english else ("nl", dutch)
    text = str(text or "")
    if length and len(text) > length:
        text = text[: length - 1].rsplit(" ", 1)[0] + " …"
    return Markup(f'<span lang="{lang}">{escape(text)}</span>')


def english(text: object) -> object:
    """Curated English text (a curator's note, a time point: data, never translated) marked lang="en" on a
    page in another language, so that readers and screen readers know."""
    if current() == SOURCE or text is None or text == "":
        return text
    return Markup('<span lang="en">') + escape(text) + Markup("</span>")


def sentence(text: object) -> str:
    """Text with its first letter a capital, the rest as written ("cancer" -> "Cancer", "e-health" -> "E-health")."""
    text = str(text or "")
    return text[:1].upper() + text[1:]


def _with_cookie(send, lang: str):
    async def wrapped(event):
        if event["type"] == "http.response.start":
            headers = list(event.get("headers") or [])
            headers.append((b"set-cookie", f"{COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax".encode()))
            headers.append((b"vary", b"Cookie"))
            event = {**event, "headers": headers}
        await send(event)
    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def language_app(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            if scope.get("path") in ("/-/search", "/-/search.json"):  # datasette-search-all's address:
                path = scope["path"].replace("/-/search", "/search")     # the site's one search page
                scope = {**scope, "path": path, "raw_path": path.encode("latin-1")}
            cookies = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
            lang, remember = choose(scope.get("query_string", b""), cookies)
            parts = (scope.get("query_string") or b"").split(b"&")
            kept = [p for p in parts if p.split(b"=")[0] != b"lang"]
            if len(kept) != len(parts):  # ?lang=, known or not, is for this wrapper only: Datasette and the
                scope = {**scope, "query_string": b"&".join(kept)}  # downloads would read it as a filter
            # what the wrappers inside this one (cache_headers) need: the language and whether a cookie is set
            scope = {**scope, "evidence.lang": lang, "evidence.sets_cookie": remember}
            token = _lang.set(lang)
            try:
                await app(scope, receive, _with_cookie(send, lang) if remember else send)
            finally:
                _lang.reset(token)
        return language_app
    return wrap


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["sentence"] = sentence
    env.filters["local"] = localised
    env.filters["day"] = day
    env.filters["english"] = english
    env.globals.update(t=t, plural=plural, ui_lang=current, count=number, other_languages=other_languages, other_names=other_names,
                       bilingual=bilingual, error_message=error_message)
