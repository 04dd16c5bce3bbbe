"""One study-data cell read from a CSV: the rules every study CSV shape shares (:mod:`.csvinput` for the
project's own columns, :mod:`.revman` for a Cochrane data package)."""

from __future__ import annotations

import math
import re
from typing import Any

COUNTS = ("events_int", "n_int", "events_ctl", "n_ctl")
# A number as a CSV writes one: ASCII digits, an optional sign, point and exponent. Python's float() also
# takes '1_0' (10) and other scripts' digits ('١٠'), which no spreadsheet means as a number.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def cell_value(key: str, column: str, text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, problem) for one cell: ``key`` is the study field it fills (the YAML's name,
    which says the rules: counts whole and non-negative, arm sizes at least 1, SDs and SEs above 0), ``column``
    the header it is named by in the problem."""
    text = text.strip()
    if NOT_FINITE.fullmatch(text):
        return None, f"{column}: {text!r} is not a finite number"
    if not NUMBER.fullmatch(text):
        return None, f"{column}: {text!r} is not a number" if text else f"{column}: missing value"
    value = float(text)
    if not math.isfinite(value):
        return None, f"{column}: {text!r} is not a finite number"
    if key in COUNTS:
        if value < 0:
            return None, f"{column}: negative count {text}"
        if value != int(value):
            return None, f"{column}: {text} is not a whole number"
        if key.startswith("n_") and value < 1:
            return None, f"{column}: an arm needs at least 1 participant"
        return int(value), None
    if key in ("sd_int", "sd_ctl", "se") and value <= 0:
        return None, f"{column}: {'SE' if key == 'se' else 'SD'} must be greater than 0, not {text}"
    return value, None
