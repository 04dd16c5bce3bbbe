"""Study data from a Cochrane review's data package: the analysis data CSV (``CD…-data-rows.csv`` in its
``-analysis-data`` folder), so a review's own data can be re-analysed without retyping.

The columns read (as R's meta::read.cdir reads the same file): ``Analysis group``, ``Analysis number``,
``Analysis name``, ``Study``; dichotomous data ``Experimental cases``, ``Experimental N``, ``Control
cases``, ``Control N``; continuous data ``Experimental mean``, ``Experimental SD``, ``Experimental N`` and
the same for Control; otherwise (generic inverse variance) the study's effect and 95% CI as the review
shows them, ``Mean``, ``CI start``, ``CI end`` (ratios on their natural scale). Other columns are ignored.

One file holds every analysis of the review; ``analysis`` ("1.2" = analysis group 1, analysis number 2)
chooses one, and is needed when the file holds more than one. Every problem is a ``FILE:LINE: message``
(one EvidenceError listing them all), as for the project's own study CSVs.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Optional

from ..problems import EvidenceError
from .cells import cell_value

GROUP, NUMBER, NAME, STUDY = "Analysis group", "Analysis number", "Analysis name", "Study"
BINARY = {"events_int": "Experimental cases", "n_int": "Experimental N", "events_ctl": "Control cases",
          "n_ctl": "Control N"}
CONTINUOUS = {"mean_int": "Experimental mean", "sd_int": "Experimental SD", "n_int": "Experimental N",
              "mean_ctl": "Control mean", "sd_ctl": "Control SD", "n_ctl": "Control N"}
GENERIC = {"estimate": "Mean", "ci_lower": "CI start", "ci_upper": "CI end"}

def is_data_package(header: list[str]) -> bool:
    return STUDY in header and GROUP in header and NUMBER in header


def _analysis_id(row: dict[str, str]) -> str:
    return f"{(row.get(GROUP) or '').strip()}.{(row.get(NUMBER) or '').strip()}"


def _values(row: dict[str, str], columns: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    values, problems = {}, []
    for key, column in columns.items():
        value, problem = cell_value(key, column, row.get(column) or "")
        if problem:
            problems.append(problem)
        else:
            values[key] = value
    return values, problems


def _kind(row: dict[str, str]) -> str:
    def given(columns: dict[str, str]) -> bool:
        return any((row.get(c) or "").strip() for c in columns.values() if c not in ("Experimental N", "Control N"))

    return "binary" if given(BINARY) else "continuous" if given(CONTINUOUS) else "generic"


def read_data_package(path: Path, text: str, analysis: Optional[str] = None) -> tuple[str, list[dict[str, Any]]]:
    """(kind, studies) of one analysis of a data-rows CSV; raises EvidenceError with every FILE:LINE problem."""
    name = str(path)
    reader = csv.DictReader(text.splitlines(keepends=True))
    rows = [(reader.line_num, row) for row in reader]
    analyses: dict[str, str] = {}
    for _, row in rows:
        analyses.setdefault(_analysis_id(row), (row.get(NAME) or "").strip())
    listing = "; ".join(f"{a} {n}".strip() for a, n in analyses.items())
    if analysis is None and len(analyses) > 1:
        raise EvidenceError(f"{name}:1: the file holds {len(analyses)} analyses ({listing}): choose one with --analysis")
    chosen = analysis if analysis is not None else next(iter(analyses), None)
    if chosen not in analyses:
        raise EvidenceError(f"{name}:1: no analysis {chosen!r} in the file (it holds: {listing or 'none'})")
    problems, studies, kinds = [], [], set()
    for line, row in rows:
        if _analysis_id(row) != chosen:
            continue
        label = (row.get(STUDY) or "").strip()
        kind = _kind(row)
        values, found = _values(row, {"binary": BINARY, "continuous": CONTINUOUS, "generic": GENERIC}[kind])
        if not label:
            found.insert(0, f"{STUDY}: empty study label")
        if kind == "binary" and not found and (values["events_int"] > values["n_int"] or values["events_ctl"] > values["n_ctl"]):
            found.append("cases exceed the group's N")
        problems += [f"{name}:{line}: {p}" for p in found]
        kinds.add(kind)
        if not found:
            studies.append({"label": label, **values})
    if len(kinds) > 1:
        problems.append(f"{name}:1: analysis {chosen} mixes {' and '.join(sorted(kinds))} rows")
    if not problems and not studies:
        problems.append(f"{name}:1: analysis {chosen} has no study rows")
    if problems:
        raise EvidenceError("\n".join(problems))
    return kinds.pop(), studies
