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
    title: Optional[str] = None  # what the site's download links call it ("Excel (XLSX)"), when not the extension
    # sidecar(conn, table, filters, options, file name) -> bytes of "<file>-metadata.json", written beside -o
    sidecar: Optional[Callable[..., bytes]] = field(default=None, compare=False)

    @property
    def site_extension(self) -> str:
        return self.extension or self.name

    @property
    def site_title(self) -> str:
        return self.title or self.site_extension


FORMATS: list[Format] = []


# the site's tables and download extension of formats whose modules do not name them
SITE = {("fhir", "json"): (("findings",), "fhir")}


def register(fmt: Format) -> Format:
    if (fmt.export, fmt.name) in SITE and not fmt.site_tables:
        tables, extension = SITE[(fmt.export, fmt.name)]
        fmt = Format(**{**fmt.__dict__, "site_tables": tables, "extension": extension})
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


def site_title(extension: str) -> str:
    """What the site calls the download with this extension ("xlsx" -> "Excel (XLSX)")."""
    return next((f.site_title for f in formats() if f.site_tables and f.site_extension == extension), extension)


# --- a killed export's temporary file ---------------------------------------------------------------


@contextmanager
def held(f: IO[bytes]) -> Iterator[None]:
    """An exclusive lock on the temporary file being written: the process holds it until it ends,
    however it ends, so the next export knows a locked temporary is still being written."""
    import fcntl

    fcntl.flock(f.fileno(), fcntl.LOCK_EX)
    yield


def sweep_killed(target) -> list[str]:
    """Remove the temporaries of ``target`` that a killed export left (no process holds their lock),
    as a build removes a killed build's; the names removed."""
    import fcntl
    import os
    import time

    from ..files import stale_temporaries

    removed = []
    for path in stale_temporaries(target, time.time()):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a live export holds it
            path.unlink()
            removed.append(path.name)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


# --- which release a file came from ------------------------------------------------------------------

PROJECT = "Work participation evidence"  # the site's title (metadata.yml): the creator of every document
PROVENANCE = ("release", "released_at", "content_hash", "package_version")  # never built_at: same data, same bytes


def provenance(conn: sqlite3.Connection) -> dict[str, Optional[str]]:
    """The release (empty for a plain build), its date, the content hash and the package version that
    built the database: what every exported file says about where it came from."""
    from ..read import records, sql

    info = (records(conn, sql("build_info")) or [{}])[0]
    return {key: info.get(key) for key in PROVENANCE}


def provenance_text(info: dict) -> str:
    """One line for a file's header: "Work participation evidence, release 2026.1 (2026-05-01);
    content hash 3f2a…" (a plain build says so)."""
    if info.get("release"):
        which = f"release {info['release']}" + (f" ({info['released_at']})" if info.get("released_at") else "")
    else:
        which = "a build that is not a release"
    return f"{PROJECT}, {which}; content hash {info.get('content_hash') or 'unknown'}"
