"""The languages, declared once: one file each in this folder (``en.yaml``, ``nl.yaml``, …), named by
its code. English is the source language: the code, the templates and each term's ``name`` are written
in it. Every other language is its file (the interface's strings, how numbers and dates read, its
name) and a ``name_<code>`` on every term of the vocabularies; the vocabulary model, the database's
term columns, the search indexes, the site's labels and pages and the guideline export read them from
here.

Cheap to import: the codes are the folder's file names; a file is read when its language is first
used (`evidence --version` reads none).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

FOLDER = Path(__file__).parent
SOURCE = "en"  # the language of the code's own text and of every term's `name`


@lru_cache(maxsize=1)
def codes() -> tuple[str, ...]:
    """Every language: the source language first, then the others by code."""
    found = sorted(p.stem for p in FOLDER.glob("*.yaml"))
    return (SOURCE, *(code for code in found if code != SOURCE))


def others() -> tuple[str, ...]:
    """The languages a term is translated into (each a ``name_<code>``)."""
    return codes()[1:]


def name_column(code: str) -> str:
    """The attribute and column holding a term's name in language ``code``: name, name_nl, …"""
    return "name" if code == SOURCE else f"name_{code}"


def name_columns() -> tuple[str, ...]:
    return tuple(map(name_column, codes()))


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # what it calls itself (the language switch)
    english: str  # what English calls it
    locale: str  # e.g. nl-NL, for <html lang> of documents
    decimal: str
    thousands: str
    months: tuple[str, ...]
    number_words: dict[str, str]  # the words between the numbers of an effect (presenter.py writes English)
    strings: dict[str, str]  # English interface text -> its translation


@lru_cache(maxsize=None)
def language(code: str) -> Language:
    """The declared language ``code`` (its file read once)."""
    import yaml

    if code not in codes():
        raise KeyError(f"no language '{code}'; languages: {', '.join(codes())}")
    data = yaml.load((FOLDER / f"{code}.yaml").read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return Language(code, data["name"], data["english"], data["locale"], data["decimal"], data["thousands"],
                    tuple(data["months"]), dict(data["number_words"] or {}), dict(data["strings"] or {}))


def add_names(namespace: dict[str, Any], annotation: Any, field: Optional[Callable[[str], Any]] = None) -> None:
    """Adds ``name_<code>`` for each language but English to a class being defined (called in its body,
    after ``name``, with ``locals()``): ``field(the language's English name)`` is each field's default;
    without ``field`` the names are required."""
    annotations = namespace.setdefault("__annotations__", {})
    for code in others():
        column = name_column(code)
        annotations[column] = annotation
        if field is not None:
            namespace[column] = field(language(code).english)
