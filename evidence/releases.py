"""Versioned releases: history of every record across releases, and the metadata to cite a version.

A release is a build stamped with a version and date whose ``history`` table carries the previous
release's history plus what changed since it (``--previous`` names the previous release's database,
which the release workflow restores; without it every record is added in this release). Citation
metadata (CITATION.cff, .zenodo.json) comes from metadata.yml and the maintainers file; no network.
"""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Optional

import yaml

from . import diff
from .problems import EvidenceError
from .read import connect, records
from .storage import insert_rows



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
    for table, table_rows in (("history", history), ("changes", diff.rows(changes))):
        insert_rows(conn, table, table_rows)
    return changes


VERSION = re.compile(r"[0-9A-Za-z]+(?:[.+-][0-9A-Za-z]+)*")  # 2026.2, 1.0-rc1: no empty part, nothing dangling
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # CITATION.cff's date-released is YYYY-MM-DD
# the Citation File Format 1.2.0's person and entity fields (its schema: tests/data/cff-1.2.0.schema.json)
AUTHOR_FIELDS = ("family-names", "given-names", "name-particle", "name-suffix", "name", "affiliation", "orcid",
                 "email", "website", "alias", "address", "city", "country", "region", "post-code", "tel", "fax")
ORCID = re.compile(r"https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")  # the CFF schema's pattern


def version_problem(version: str) -> Optional[str]:
    if len(version) > 40 or not VERSION.fullmatch(version):
        return (f"'{version}': use letters and digits in parts joined by one '.', '+' or '-' (e.g. 2026.2), at most "
                "40 characters")
    return None


def date_problem(date: str) -> Optional[str]:
    try:
        if DATE.fullmatch(date):
            datetime.date.fromisoformat(date)
            return None
    except ValueError:
        pass
    return f"'{date}' is not a date (YYYY-MM-DD)"


def previous_info(path: Optional[Path]) -> Optional[dict]:
    """The previous release's version and date (None without --previous), read before anything is built;
    a file that is not a release is refused, naming it."""
    if path is None:
        return None
    try:
        with connect(path) as conn:
            info = records(conn, "select release, released_at from build_info")
            conn.execute("select count(*) from history").fetchone()
    except sqlite3.Error as e:
        raise EvidenceError(f"{path}: --previous is not a release database ({e}); nothing was written") from None
    if not info or not info[0]["release"]:
        raise EvidenceError(f"{path}: --previous is not a release (build it with `evidence release`); nothing was written")
    return info[0]


def check_follows(version: str, date: str, last: Optional[dict], previous: Optional[Path]) -> None:
    """A release comes after the previous one: another version, and a date not before its date."""
    if last is None:
        return
    if version == last["release"]:
        raise EvidenceError(f"{previous}: --previous is release {version} already; give the new release another "
                            "version; nothing was written")
    if last["released_at"] and date < last["released_at"]:
        raise EvidenceError(f"{previous}: --previous was released on {last['released_at']}, after {date}; give a "
                            "later --date; nothing was written")


def maintainers(path: Path) -> list[dict]:
    """The maintainers file: a list of people ({family-names, given-names, affiliation, orcid}) or
    entities ({name}), as the Citation File Format writes authors; checked as strictly as the data
    (duplicate keys, unknown fields, one line of text per field, the ORCID's form), FILE:LINE each."""
    from .yaml_safe import Loader

    if not path.is_file():
        raise EvidenceError(f"{path}: no maintainers file (a YAML list of authors for CITATION.cff)")
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=Loader)
        authors = Loader(text).construct_document(node) if node is not None else None
    except UnicodeDecodeError:
        raise EvidenceError(f"{path}: not UTF-8 text") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise EvidenceError(f"{path}:{mark.line + 1 if mark else 1}: {e.problem or e}") from None
    if not isinstance(authors, list) or not authors or not all(isinstance(a, dict) for a in authors):
        raise EvidenceError(f"{path}: expected a list of authors (family-names and given-names, or name)")
    problems = []
    for author, item in zip(authors, node.value):
        line = item.start_mark.line + 1
        for key, value in author.items():
            if key not in AUTHOR_FIELDS:
                problems.append(f"{path}:{line}: unknown field '{key}' (Citation File Format author fields: "
                                f"{', '.join(AUTHOR_FIELDS)})")
            elif not isinstance(value, str) or not value.strip() or any(c < " " for c in value):
                problems.append(f"{path}:{line}: {key}: one line of text is needed, got {value!r}")
            elif key == "orcid" and not ORCID.fullmatch(value):
                problems.append(f"{path}:{line}: orcid: '{value}' is not an ORCID (https://orcid.org/0000-0000-0000-000X)")
        if not (author.get("family-names") or author.get("name")):
            problems.append(f"{path}:{line}: an author needs family-names (a person) or name (an entity)")
    if problems:
        raise EvidenceError("\n".join(problems))
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
