"""The controlled vocabularies in vocabulary.yaml: values, English and Dutch labels, suggestions."""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import yaml

PATH = Path(__file__).with_name("vocabulary.yaml")


@lru_cache(maxsize=1)
def vocabularies() -> dict[str, dict[str, dict]]:
    with PATH.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=yaml.CSafeLoader)


def terms(kind: str) -> dict[str, dict]:
    return vocabularies()[kind]


def suggestion(kind: str, value: object) -> str:
    """' (did you mean 'x'?)' for the closest term, or '' when nothing is close."""
    close = difflib.get_close_matches(str(value).lower().replace(" ", "_"), list(terms(kind)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
