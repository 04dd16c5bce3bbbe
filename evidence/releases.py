"""Versioned releases: history of every record across releases, and the metadata to cite a version.

A release is a build stamped with a version and date whose ``history`` table carries the previous
release's history plus what changed since it (``--previous`` names the previous release's database,
which the release workflow restores; without it every record is added in this release). Citation
metadata (CITATION.cff, .zenodo.json) comes from metadata.yml and the maintainers file; no network.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Optional

import yaml

from . import diff
from .problems import EvidenceError
from .read import connect, records
from .schema import ChangeRecord, HistoryRecord, insert_rows



def previous_release(path: Optional[Path]) -> tuple[diff.Snapshot, list[dict], Optional[str]]:
    """The previous release's records, its history and its version (empty for a first release)."""
    if path is None:
        return {}, [], None
    with connect(path) as conn:
        info = records(conn, "select release from build_info")
        if not info or not info[0]["release"]:
            raise EvidenceError(f"{path}: not a release (build it with `evidence release`)")
        return diff.snapshot(conn), records(conn, "select * from history order by id"), info[0]["release"]


def record_history(conn: sqlite3.Connection, release: dict) -> list[diff.Change]:
    """Write the history and the changes since the previous release into the new release's database."""
    before, history, _ = previous_release(release.get("previous"))
    changes = diff.diff(before, diff.snapshot(conn))
    start = len(history)
    history += [{**row, "id": start + i, "release": release["version"], "released_at": release["date"]}
                for i, row in enumerate(diff.rows(changes), 1)]
    for table, table_rows in ((HistoryRecord.__table__, history), (ChangeRecord.__table__, diff.rows(changes))):
        insert_rows(conn, table, table_rows)
    return changes


def maintainers(path: Path) -> list[dict]:
    """The maintainers file: a list of people ({family-names, given-names, affiliation, orcid}) or
    entities ({name}), as the Citation File Format writes authors."""
    if not path.is_file():
        raise EvidenceError(f"{path}: no maintainers file (a YAML list of authors for CITATION.cff)")
    authors = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    if not isinstance(authors, list) or not authors or not all(isinstance(a, dict) for a in authors):
        raise EvidenceError(f"{path}: expected a list of authors (family-names and given-names, or name)")
    return authors


def citation_cff(site: dict[str, Any], authors: list[dict], version: str, date: str, content_hash: str) -> str:
    data = {
        "cff-version": "1.2.0",
        "message": "If you use this database, please cite the version you used.",
        "type": "dataset",
        "title": site.get("title") or "Work participation evidence",
        "version": version,
        "date-released": date,
        "license": "CC-BY-4.0",
        "abstract": "Open evidence database on interventions that help people with a health condition stay in or "
                    "return to work: GRADE-rated findings, trial and review results and economic evaluations, each "
                    "traceable to a verbatim quote in its source.",
        "authors": authors,
        "identifiers": [{"type": "other", "value": f"sha256:{content_hash}",
                         "description": "Content hash of the release's inputs (build_info.content_hash)."}],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def zenodo_json(site: dict[str, Any], authors: list[dict], version: str, date: str) -> str:
    creators = []
    for a in authors:
        name = a.get("name") or ", ".join(x for x in (a.get("family-names"), a.get("given-names")) if x)
        creator = {"name": name, **({"affiliation": a["affiliation"]} if a.get("affiliation") else {})}
        if a.get("orcid"):
            creator["orcid"] = a["orcid"].rsplit("/", 1)[-1]
        creators.append(creator)
    data = {"title": site.get("title") or "Work participation evidence", "version": version,
            "publication_date": date, "upload_type": "dataset", "license": "cc-by-4.0", "creators": creators,
            "description": "Open evidence database on interventions that help people with a health condition stay "
                           "in or return to work."}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
