"""Exports: one registry of output formats, read by `evidence export` and the site's downloads.

Each format module registers its formats once (name, media type, suffix, writer, which tables) when
it is imported; every module of this package is imported. Adding a format is one module and a test.

A writer streams: it writes the file to a binary file object as it reads the database (``out``: the
atomic temporary file of `evidence export -o`, standard output, or a buffer for the site) and returns
an ``Output`` saying what it wrote. No writer holds the whole file, or every row, in memory.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterator, Optional

from ..problems import EvidenceError
from ..read import Filters



@dataclass
class Output:
    """What a writer wrote, for the "Wrote …" message."""

    count: int
    noun: str  # e.g. "rows of findings", "references"

    def message(self) -> str:
        return f"{self.count} {self.noun}"


# write(conn, table, filters, options, out): writes the file to ``out`` (binary), chunk by chunk
Writer = Callable[[sqlite3.Connection, str, Filters, dict[str, Any], IO[bytes]], Output]


@contextmanager
def text(out: IO[bytes]) -> Iterator[IO[str]]:
    """``out`` as UTF-8 text (newlines as written); ``out`` itself stays open."""
    wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()


def render(fmt: "Format", conn: sqlite3.Connection, table: str, filters: Filters,
           options: Optional[dict[str, Any]] = None) -> tuple[bytes, Output]:
    """The whole file in memory, for callers bounded elsewhere (the site's downloads, by the page size)."""
    buffer = io.BytesIO()
    result = fmt.write(conn, table, filters, options or {}, buffer)
    return buffer.getvalue(), result


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
