"""Text as it is read: decoded with the line of a bad byte, searched fast, and the characters that can
hide or disguise text (refused in YAML and BibTeX alike)."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Callable, Optional

from .problems import Problem


def display(path: Path) -> str:
    """The path as the user will recognise it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def decode(raw: bytes, name: str) -> tuple[Optional[str], Optional[Problem]]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, Problem(name, f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8", line=line)


def searcher(pattern: str) -> Callable[[str], bool]:
    """Whether ``pattern`` occurs anywhere in a text, decided by the Rust regex crate that pydantic-core
    (already a dependency, through pydantic) carries. Linear time and many times faster than ``re`` on
    the scans that read every character of a 100 MB input; ``re`` still finds the line when one matches.
    The pattern must mean the same in both engines: no look-around, no back-references. The engine is
    loaded at the first search, not when the searcher is made: `evidence --version` loads no pydantic-core."""
    search: Optional[Callable[[str], bool]] = None

    def first(text: str) -> bool:
        nonlocal search
        if search is None:
            from pydantic_core import SchemaValidator, core_schema

            search = SchemaValidator(core_schema.str_schema(pattern=pattern, regex_engine="rust-regex")).isinstance_python
        return search(text)

    return first


SLICE = 1 << 22  # characters per scan of a non-ASCII text


def found(search: Callable[[str], bool], text: str) -> bool:
    """``search`` over the text, in slices cut after a line break when the text is not ASCII.

    The Rust side reads UTF-8, which CPython makes once per non-ASCII string and keeps as long as the
    string lives: a copy of the whole file, so large texts are scanned a slice at a time (the guards
    look at one line at a time, so a cut after a line break changes nothing)."""
    if text.isascii() or len(text) <= SLICE:
        return search(text)
    start = 0
    while start < len(text):
        end = text.find("\n", start + SLICE) + 1 or len(text)
        if search(text[start:end]):
            return True
        start = end
    return False



# Characters that can hide or disguise text: C0 and C1 controls (but tab, line feed and the carriage
# return of CRLF files), DEL, and the bidirectional marks, embeddings, overrides and isolates.
HOSTILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE_VALUE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ESCAPE = re.compile(r"\\[0abefvrNLPxuU_]")  # YAML escapes that can write such a character in a quoted scalar
HAS_HOSTILE = searcher(HOSTILE.pattern)
CONTROL_NAMES = {0: "NUL", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x0D: "CARRIAGE RETURN"}


def char_name(char: str) -> str:
    """U+202E (RIGHT-TO-LEFT OVERRIDE), U+0000 (NUL): how a problem names a refused character."""
    code = ord(char)
    return f"U+{code:04X} ({CONTROL_NAMES.get(code) or unicodedata.name(char, 'a control character')})"


def hostile_message(char: str) -> str:
    return f"contains {char_name(char)}, a control character that can hide or disguise text; remove it"
