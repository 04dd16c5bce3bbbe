"""A click choice read when it is first needed, so that a command's options can list vocabulary terms
without loading the vocabulary at start-up (tests/test_startup.py)."""

from __future__ import annotations

from typing import Callable, Iterable

import click


class Later(click.Choice):
    """A choice whose values are read when click first needs them (to parse, or for --help)."""

    def __init__(self, values: Callable[[], Iterable[str]]) -> None:
        self.values, self.case_sensitive = values, True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.values())
