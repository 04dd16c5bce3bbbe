"""Stage 2 of the build, plan: which blocks changed since the previous database was built.

The database keeps the hashes of the blocks it was built from (``input_blocks``: the code's fingerprint,
each input file, each item of a data file, each entry of the bibliography). The plan names the sources
to remove, the blocks to parse (the changed items, and the sources whose bibliography entry changed) and
the entries they cite. A full build is the plan "everything changed" (``Plan.everything``): when forced,
for a release, a strict build or a first build, and whenever a partial build could not tell: the code, a
vocabulary or the guideline changed; an input has a problem; a data file is not a plain list of sources;
the bibliography defines ``@string`` macros; the database records no blocks or is a release. The reason
is logged. Later stages raise NotIncremental when they find a plan cannot hold (an error in what
changed, a check across records that fails); the build then runs the plan "everything".
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .read import RawInputs, entry_key


class NotIncremental(Exception):
    """Why this build must be a full one."""


@dataclass
class Plan:
    """What a build parses and replaces: everything (``full``), or the blocks that changed."""

    full: bool = False
    removed: set[str] = field(default_factory=set)  # source ids whose rows go
    reread: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # data file -> spans to parse
    entries: list[tuple[int, int]] = field(default_factory=list)  # bibliography spans to parse
    changed_keys: set[str] = field(default_factory=set)  # citation keys added, removed or changed
    kept: dict[str, tuple[str, tuple[int, int]]] = field(default_factory=dict)  # source id -> (file, span), changed files
    kept_dois: set[str] = field(default_factory=set)  # DOIs of the entries that did not change, lower case
    changed_files: set[str] = field(default_factory=set)  # data files added or changed
    cited: set[str] = field(default_factory=set)  # citation keys of the sources removed
    stored: dict[tuple[str, str], list[tuple]] = field(default_factory=dict)  # the previous build's input_blocks

    @classmethod
    def everything(cls) -> "Plan":
        """The full build: every block changed."""
        return cls(full=True)


def plan(raw: RawInputs, db: Path, fingerprint: str, log: Callable[[str], None], everything: bool = False) -> Plan:
    """Compare the inputs' blocks with the ones ``db`` was built from; the plan "everything" when asked
    for, when there is no previous database, or when a partial build cannot tell (the reason logged)."""
    if everything or not db.exists():
        return Plan.everything()
    try:
        if not raw.complete:
            raise NotIncremental("an input has a problem")
        with closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            stored = stored_blocks(conn)
            chosen = compare(raw, fingerprint, conn, stored)
            affected_by_bibliography(conn, chosen, raw)
            chosen.cited = {row[0] for row in conn.execute(
                "select citation_key from sources where id in (select value from json_each(?))",
                [json.dumps(sorted(chosen.removed))])}
        chosen.stored = stored
        return chosen
    except NotIncremental as e:
        log(f"Reading everything: {e}")
    except sqlite3.Error as e:
        log(f"Reading everything: the previous database could not be read ({e})")
    return Plan.everything()


def built_by(db: Path, fingerprint: str) -> bool:
    """Whether ``db`` records that this code built it (its ``input_blocks`` code row): a look before the
    plan, which is "everything" when it did not."""
    if not db.is_file():
        return False
    try:
        with closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            row = conn.execute("select hash from input_blocks where kind = 'code' and path = 'evidence' "
                               "and position = -1").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == fingerprint


def stored_blocks(conn: sqlite3.Connection) -> dict[tuple[str, str], list[tuple]]:
    blocks: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in conn.execute("select kind, path, position, hash, record, doi from input_blocks order by kind, path, position"):
        blocks[(row[0], row[1])].append(row[2:])
    return blocks


def match(old: list[tuple], spans: list[tuple[int, int]], hashes: list[str]):
    """Pair the stored blocks with the current ones of the same hash, in order: (kept: record ->
    span, records of the stored blocks that are gone, current spans that are new)."""
    pool: dict[str, list[int]] = defaultdict(list)
    for i, block_hash in reversed(list(enumerate(hashes))):
        pool[block_hash].append(i)
    kept, gone, used = {}, [], set()
    for _, block_hash, record, _ in old:
        if pool[block_hash]:
            i = pool[block_hash].pop()
            kept[record], _ = spans[i], used.add(i)
        else:
            gone.append(record)
    return kept, gone, [span for i, span in enumerate(spans) if i not in used]


def compare(raw: RawInputs, fingerprint: str, conn: sqlite3.Connection, stored: dict) -> Plan:
    """Compare the inputs' blocks with the ones the database was built from (``stored``)."""
    info = conn.execute("select release from build_info").fetchone()
    if info is None or info[0] is not None:
        raise NotIncremental("the database is a release")
    if not stored or stored.get(("code", "evidence"), [(None, None)])[0][1] != fingerprint:
        raise NotIncremental("the code changed, or the database records no input blocks")
    whole = {key: blocks[0][1] for key, blocks in stored.items() if blocks and blocks[0][0] == -1}
    current = {key: raw.digest(key) for key in raw.files}
    for kind in ("vocabulary", "guideline"):
        if {k: h for k, h in current.items() if k[0] == kind} != {k: h for k, h in whole.items() if k[0] == kind}:
            raise NotIncremental(f"a {kind} file changed")
    result = Plan()
    for key in sorted(whole.keys() | current.keys()):
        if key[0] != "data" or whole.get(key) == current.get(key):
            continue
        old = [b for b in stored.get(key, []) if b[0] >= 0]
        if key not in current:  # a data file removed: all its sources go
            result.removed |= {b[2] for b in old}
            continue
        spans, hashes = raw.blocks(key)
        result.changed_files.add(key[1])
        if spans is None or (key in whole and not old):
            raise NotIncremental(f"{key[1]} is not a plain list of sources")
        kept, gone, new = match(old, spans, hashes)
        result.removed |= set(gone)
        result.kept.update((record, (key[1], span)) for record, span in kept.items())
        if new:
            result.reread[key[1]] = new
    plan_bibliography(raw, stored, whole, result)
    return result


def plan_bibliography(raw: RawInputs, stored: dict, whole: dict, result: Plan) -> None:
    """The entries that changed, by hash; their keys make the sources that cite them re-read."""
    name, bib = raw.bib
    if whole.get(("bibliography", name)) == raw.digest(("bibliography", name)):
        return
    if ("bibliography", name) not in whole:
        raise NotIncremental("the bibliography is another file")
    if b"@string" in bib.lower():
        raise NotIncremental("the bibliography defines @string macros")
    old = [b for b in stored[("bibliography", name)] if b[0] >= 0]
    spans, hashes = raw.blocks(("bibliography", name))
    kept, gone, new = match(old, spans, hashes)
    result.changed_keys |= {key for key in gone if key}
    left = {key.lower() for key in kept if key}
    dois = {b[3] for b in old if b[3] and b[2] in kept}
    for a, b in new:
        kind, key = entry_key(bib[a:b])
        if kind in (None, "string", "preamble", "comment") or not key:
            raise NotIncremental("a bibliography block that is not an entry changed")
        if key.lower() in left:
            raise NotIncremental(f"the bibliography key {key} is given twice")
        result.changed_keys.add(key)
        result.entries.append((a, b))
    result.kept_dois = dois


def affected_by_bibliography(conn: sqlite3.Connection, chosen: Plan, raw: RawInputs) -> None:
    """Sources whose bibliography entry changed are re-read too, from their unchanged blocks."""
    if not chosen.changed_keys:
        return
    rows = conn.execute("select s.id, b.path, b.position from sources s left join input_blocks b on b.kind = 'data' "
                        "and b.record = s.id where s.citation_key in (select value from json_each(?))",
                        [json.dumps(sorted(chosen.changed_keys))]).fetchall()
    for record, relative, position in rows:
        if record in chosen.removed:
            continue
        if relative is None:
            raise NotIncremental(f"the block of {record}, whose bibliography entry changed, is not recorded")
        if record in chosen.kept:  # in a data file that changed too
            relative, span = chosen.kept[record]
        else:  # in a file that did not change: its block is where it was
            span = raw.blocks(("data", relative))[0][position]
        chosen.reread.setdefault(relative, []).append(span)
        chosen.removed.add(record)
