"""Validation problems and how they are reported: ``FILE:LINE: field: message``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence


@dataclass
class Problem:
    file: str
    message: str
    field: str = ""
    line: Optional[int] = None
    # Key path into the YAML document; turned into a line only when the problem is reported.
    path: Sequence = ()
    warning: bool = False
    justified: Optional[str] = None  # a warning the curator has justified does not fail --strict

    def __str__(self) -> str:
        where = f"{self.file}:{self.line or 1}"
        what = f"{self.field}: " if self.field else ""
        kind = "warning: " if self.warning else ""
        text = f"{where}: {what}{kind}{self.message}"
        return f"{text} [justified: {self.justified}]" if self.justified else text


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, *problems: Problem) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning and not p.justified]

    def fails(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def summary(self) -> str:
        return f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"


class EvidenceError(Exception):
    """A user-facing failure; the CLI prints its message and exits 1, never a traceback."""


class ValidationFailed(EvidenceError):
    def __init__(self, report: Report):
        super().__init__(report.summary())
        self.report = report


def sort_key(p: Problem) -> tuple:
    return (p.file, p.line or 0, p.field)


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=sort_key)
