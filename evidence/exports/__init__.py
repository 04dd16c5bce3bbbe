"""Exports: one registry of output formats, read by `evidence export` and the site's downloads.

Each format module registers its formats once (name, media type, suffix, writer, which tables) when
it is imported; every module of this package is imported. Adding a format is one module and a test.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from ..problems import EvidenceError
from ..read import Filters



@dataclass
class Output:
    """What a writer produced: the file's content and what it holds, for the "Wrote …" message."""

    content: Union[str, bytes]
    count: int
    noun: str  # e.g. "rows of findings", "references"

    def message(self) -> str:
        return f"{self.count} {self.noun}"


Writer = Callable[[sqlite3.Connection, str, Filters, dict[str, Any]], Output]


@dataclass(frozen=True)
class Format:
    export: str  # what `evidence export` names: "table" for every table, else bib, ris, fhir, sof, …
    name: str  # the --format value
    media_type: str
    suffix: str
    write: Writer = field(compare=False)
    default: bool = False  # the format an export gets without --format
    binary: bool = False  # written to a file only, never to standard output
    site_tables: tuple[str, ...] = ()  # table pages that offer it as a download
    extension: Optional[str] = None  # the site's download extension, when not the name

    @property
    def site_extension(self) -> str:
        return self.extension or self.name


FORMATS: list[Format] = []


def register(fmt: Format) -> Format:
    FORMATS.append(fmt)
    return fmt


def formats() -> list[Format]:
    """Every registered format (importing the format modules registers them)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return FORMATS


def exports() -> list[str]:
    """The document exports (bib, ris, fhir, sof, …), beside the tables."""
    return list(dict.fromkeys(f.export for f in formats() if f.export != "table"))


def formats_of(export: str) -> list[Format]:
    return [f for f in formats() if f.export == export]


def find(export: str, name: Optional[str]) -> Format:
    """The format ``name`` of ``export`` (its default when None); unknown ones are a clear error."""
    candidates = formats_of(export)
    for fmt in candidates:
        if (name is None and fmt.default) or fmt.name == name:
            return fmt
    what = "a table" if export == "table" else export
    names = ", ".join(f.name for f in candidates)
    raise EvidenceError(f"unknown format '{name}' for {what}; formats: {names}")


def site_formats(table: str) -> list[Format]:
    return [f for f in formats() if table in f.site_tables]
