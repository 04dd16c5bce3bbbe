"""Stage 4 of the build, rows: the parsed records validated into rows (``evidence.validate``), every
problem with its line, and the ``input_blocks`` rows the next build plans from.

The plan "everything" validates every record. A partial plan validates the records that changed
(``partial``: checks across records are the write stage's); a problem there is reported with its line
(the blocks are parsed again, each on its own line), and an error makes the build a full one (which
reports every problem). A re-read record's warnings are reported; the others' are not re-reported
(``evidence validate`` checks everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..inputs import Inputs
from ..problems import Report
from ..validate import Rows, validate
from ..yaml_safe import YamlFile
from .parse import parse
from .plan import NotIncremental, Plan
from .read import RawInputs, entry_key


@dataclass
class Validated:
    rows: Rows
    report: Report
    ids: dict[str, list[Optional[str]]]  # data file -> the source id of each of its items
    dois: dict[str, Optional[str]]  # citation key -> DOI (lower case), for input_blocks


def validated(raw: RawInputs, chosen: Plan, parsed: Inputs) -> Validated:
    """The rows and problems of what the plan parsed. NotIncremental when a partial plan has an error."""
    if chosen.full:
        found: dict = {}
        rows, report = validate(parsed, ids=found)
        ids = {path.relative_to(raw.root).as_posix(): i for path, i in found.items()}
        entries = parsed.bibliography.entries if parsed.bibliography else {}
        return Validated(rows, report, ids, {key: (entry.text("doi") or "").lower() or None for key, entry in entries.items()})
    ids = source_ids(raw, chosen, parsed.yaml_files)  # before validation, which lets go of the records
    rows, report = validate(parsed, partial=True)
    if report.problems:  # parsed again, every block on its own line, so that each problem has its line
        rows, report = validate(parse(raw, chosen, lines=True), partial=True)
    if report.errors:
        raise NotIncremental(f"{len(report.errors)} error(s) in what changed")
    entries = parsed.bibliography.entries if parsed.bibliography else {}
    dois = {b[2]: b[3] for (kind, _), blocks in chosen.stored.items() if kind == "bibliography" for b in blocks
            if b[0] >= 0 and b[2]}
    for key, entry in entries.items():
        doi = (entry.text("doi") or "").lower() or None
        if doi and doi in chosen.kept_dois and dois.get(key) != doi:
            raise NotIncremental(f"the DOI {doi} is given twice")
        dois[key] = doi
    return Validated(rows, report, ids, dois)


def source_ids(raw: RawInputs, chosen: Plan, docs: list[YamlFile]) -> dict[str, list[Optional[str]]]:
    """The source id of every item of every data file, as the next build will need them."""
    parsed = {doc.path: doc for doc in docs}
    ids: dict[str, list[Optional[str]]] = {}
    for kind, relative in raw.files:
        if kind != "data":
            continue
        if relative not in chosen.changed_files:  # the ids are where they were
            ids[relative] = [b[2] for b in chosen.stored.get((kind, relative), []) if b[0] >= 0]
            continue
        spans = raw.blocks((kind, relative))[0] or []
        by_span = {span: record for record, (f, span) in chosen.kept.items() if f == relative}
        doc = parsed.get(raw.paths[(kind, relative)])
        new = iter(item.get("id") if isinstance(item, dict) else None for item in (doc.data if doc else []))
        reread = set(chosen.reread.get(relative, []))
        ids[relative] = [next(new, None) if span in reread else by_span.get(span) for span in spans]
    return ids


def block_rows(raw: RawInputs, fingerprint: str, source_ids: dict[str, list[Optional[str]]],
               bib_dois: dict[str, Optional[str]]) -> list[dict]:
    """The ``input_blocks`` rows of a build: each file's hash, each data item's and bibliography entry's.

    ``source_ids`` gives, per data file, the id of the source each item defines (as parsed); a file
    whose items cannot be told apart gets its whole-file row only, so the next build re-reads it. No
    rows when an input could not be read: the next build reads everything again.
    """
    if not raw.complete:
        return []
    rows = [{"kind": "code", "path": "evidence", "position": -1, "hash": fingerprint, "record": None, "doi": None}]
    keys = [*raw.files, *([("bibliography", raw.bib[0])] if raw.bib else [])]
    for kind, name in keys:
        rows += file_rows(raw, kind, name, source_ids.get(name), bib_dois)
    return rows


def file_rows(raw: RawInputs, kind: str, name: str, ids: Optional[list[Optional[str]]],
              bib_dois: dict[str, Optional[str]]) -> list[dict]:
    """One input's rows: the whole file's hash; its items' (data) or entries' (bibliography)."""
    rows = [{"kind": kind, "path": name, "position": -1, "hash": raw.digest((kind, name)), "record": None, "doi": None}]
    if kind not in ("data", "bibliography"):
        return rows
    spans, hashes = raw.blocks((kind, name))
    if kind == "data" and spans and ids is not None and len(ids) == len(spans):
        rows += [{"kind": kind, "path": name, "position": i, "hash": hashes[i], "record": ids[i], "doi": None}
                 for i in range(len(spans))]
    elif kind == "bibliography":
        data = raw.bib[1]
        for i, (a, b) in enumerate(spans):
            _, key = entry_key(data[a:b])
            rows.append({"kind": kind, "path": name, "position": i, "hash": hashes[i], "record": key,
                         "doi": bib_dois.get(key) if key else None})
    return rows
