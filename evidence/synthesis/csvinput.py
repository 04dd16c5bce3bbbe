"""Reading a study CSV for ``evidence pool`` / ``evidence forest-csv``.

Three shapes, told apart by the header (line 1), with the column names of the YAML's ``studies:``:

* binary:     ``study,events_int,n_int,events_ctl,n_ctl`` (n = arm total, not non-events)
* continuous: ``study,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl``
* generic:    ``study,estimate,ci_lower,ci_upper`` and/or ``se`` (each row its 95% CI or its SE; ratio
  measures on the natural scale, the SE on the log scale)

and a Cochrane/RevMan data package's ``*-data-rows.csv`` (:mod:`.revman`).

Convention: :func:`read_studies` collects *every* problem, each as ``FILE:LINE: message`` (LINE is the
line in the file; the header is line 1), and raises one :class:`evidence.problems.EvidenceError` with
them joined by newlines — never a traceback. Problems found: an empty file, missing or unknown columns,
no study rows, an empty study label, non-numeric or non-finite values, counts that are not whole numbers,
negative counts, arm totals below 1, events above the arm total, SD ≤ 0.
On success it returns ``(kind, studies)`` with kind "binary" or "continuous" and study dicts keyed as
the YAML is (``label`` plus the data columns), ready for :func:`evidence.synthesis.pool_studies`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..problems import EvidenceError
from .cells import cell_value
from .revman import is_data_package, read_data_package

COLUMNS = {
    "binary": ("study", "events_int", "n_int", "events_ctl", "n_ctl"),
    "continuous": ("study", "mean_int", "sd_int", "n_int", "mean_ctl", "sd_ctl", "n_ctl"),
    "generic": ("study", "estimate", "ci_lower", "ci_upper", "se"),
}
MAX_STUDIES = 100_000  # a meta-analysis of more is not a guideline's; 1M rows took 92 s and 2.4 GB
MAX_BYTES = 64 * 1024 * 1024
GENERIC_OPTIONAL = ("ci_lower", "ci_upper", "se")  # a generic row gives its 95% CI or its SE


def _kind(header: list[str]) -> str:
    if "events_int" in header or "events_ctl" in header:
        return "binary"
    if any(c.startswith(("mean_", "sd_")) for c in header):
        return "continuous"
    if "estimate" in header:
        return "generic"
    return ""


def _header_problems(header: list[str], kind: str) -> list[str]:
    if not kind:
        return ["cannot tell binary from continuous data: expected the columns "
                + " or ".join(",".join(cols) for cols in COLUMNS.values())]
    expected = COLUMNS[kind]
    problems = []
    missing = [c for c in expected if c not in header and not (kind == "generic" and c in GENERIC_OPTIONAL)]
    if kind == "generic" and "se" not in header and not {"ci_lower", "ci_upper"} <= set(header):
        missing += [c for c in ("ci_lower", "ci_upper") if c not in header] + ["(or se)"]
    unknown = [c for c in header if c not in expected]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(f"missing column(s) for {kind} data: {', '.join(missing)} (expected {','.join(expected)})")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(repr(c) for c in unknown)} (expected {','.join(expected)})")
    if duplicated:
        problems.append(f"duplicated column(s): {', '.join(duplicated)}")
    return problems


def _row_problems(row: dict[str, str], kind: str, values: dict[str, float]) -> list[str]:
    problems = []
    if not (row.get("study") or "").strip():
        problems.append("study: empty study label")
    for column in COLUMNS[kind][1:]:
        text = (row.get(column) or "").strip()
        if kind == "generic" and column in GENERIC_OPTIONAL and not text:
            continue
        value, problem = cell_value(column, column, text)
        if problem:
            problems.append(problem)
        else:
            values[column] = value
    if kind == "generic" and "estimate" in values and "se" not in values and not {"ci_lower", "ci_upper"} <= set(values):
        problems.append("give the 95% CI (ci_lower and ci_upper) or the SE (se)")
    for arm in ("int", "ctl"):
        events, total = values.get(f"events_{arm}"), values.get(f"n_{arm}")
        if events is not None and total is not None and events > total:
            problems.append(f"events_{arm}: {events} events exceed the arm total n_{arm} = {total}")
    return problems


def read_studies(path: str | Path, analysis: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(kind, studies) from a CSV file; raises EvidenceError listing every ``FILE:LINE: message``.
    ``analysis`` chooses one analysis of a Cochrane data package's data-rows CSV (:mod:`.revman`)."""
    path = Path(path)
    name = str(path)
    if path.stat().st_size > MAX_BYTES:
        raise EvidenceError(f"{name}:1: the file is {path.stat().st_size:,} bytes; a study CSV is read whole, up to "
                            f"{MAX_BYTES:,} bytes (about {MAX_STUDIES:,} studies)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EvidenceError(f"{name}:1: not a UTF-8 text file") from None
    if not text.strip():
        raise EvidenceError(f"{name}:1: the file is empty (expected a header and at least 1 study)")
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [h.strip() for h in next(reader)]
        if is_data_package(header):
            return read_data_package(path, text, analysis)
    except csv.Error as e:  # a field over the csv module's limit, a NUL byte
        raise EvidenceError(f"{name}:{reader.line_num}: {e}") from None
    if analysis is not None:
        raise EvidenceError(f"{name}:1: --analysis is for a Cochrane data package's data-rows CSV "
                            "(columns Analysis group, Analysis number, Study, …)")
    kind = _kind(header)
    problems = [f"{name}:1: {p}" for p in _header_problems(header, kind)]
    if problems:
        raise EvidenceError("\n".join(problems))
    studies: list[dict[str, Any]] = []
    try:
        _read_rows(reader, name, header, kind, studies, problems)
    except csv.Error as e:  # a field over the csv module's limit, a NUL byte
        problems.append(f"{name}:{reader.line_num}: {e}")
    if not problems and not studies:
        problems.append(f"{name}:1: no studies: the file has a header but no rows (need at least 1 study)")
    if problems:
        raise EvidenceError("\n".join(problems))
    return kind, studies


def _read_rows(reader, name: str, header: list[str], kind: str, studies: list, problems: list[str]) -> None:
    for cells in reader:
        line = reader.line_num
        if len(studies) >= MAX_STUDIES:
            problems.append(f"{name}:{line}: more than {MAX_STUDIES:,} studies: pool a file of at most that many")
            return
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            problems.append(f"{name}:{line}: expected {len(header)} values, found {len(cells)}")
            continue
        row = dict(zip(header, cells))
        values: dict[str, Any] = {}
        found = _row_problems(row, kind, values)
        problems.extend(f"{name}:{line}: {p}" for p in found)
        if not found:
            studies.append({"label": row["study"].strip(), **values})
