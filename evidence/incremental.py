"""Incremental builds: re-read only the sources that changed and apply them to a copy of the database.

A living database grows one review at a time. A full build parses and validates every input; this
path reads every input's bytes once (the hash pass a build does anyway), finds the blocks that
changed by their hashes (a block is one top-level item of a data file, a source, or one entry of the
bibliography; the database keeps the hashes in ``input_blocks``), parses and validates only the
sources those blocks define (and the sources whose bibliography entry changed), and applies them to
a copy of the previous database: their rows, the full-text index entries, the labels that tell
sources of one author and year apart (Lambeek 2010a/b), the derived tables, ``build_info`` and the
``changes`` table. The copy is renamed over the database like any build.

The full build stays the reference. This path is taken only when it gives the same tables as a full
build would, and gives way to the full build whenever it cannot tell: the code, a vocabulary or the
guideline changed; a data file is not a plain list of sources; the bibliography defines ``@string``
macros; a re-read record has an error (the full build reports every problem, with its line); a
check that spans records fails (an id given twice, a ``same_result_as`` or guideline link to a record
that is gone). The reason is logged. A re-read record's warnings are reported; the others' are
not re-reported (``evidence validate`` checks everything).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from contextlib import closing
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from .inputs import (Inputs, YamlFile, decode, hash_input, default_bib, find_inputs, folder, parse_bib,
                     parse_yaml)
from .problems import Report
from . import diff
from .read import records, sql
from .search_indexes import INDEXES
from .schema import TABLES, ChangeRecord, InputBlock, counted_tables, insert_rows
from .validate import add_labels, base_label, validate

Log = Callable[[str], None]
LINE_START = re.compile(rb"\n(?:-[ \t\r\n]|---|\.\.\.|%)")  # an item ("-" at column 0), a marker, a directive
ENTRY_START = re.compile(rb"\n[ \t]*@")  # a bibliography entry (or @string, @comment …) at a line start
ENTRY_HEAD = re.compile(rb"@[ \t]*([A-Za-z]+)[ \t\r\n]*[{(][ \t\r\n]*([^,\s{}()]*)")
SOURCE_TABLES = ("sources", "findings", "economic_evaluations", "study_results")  # rows a data file makes
SEARCHED = tuple(i.table for i in INDEXES if i.source_key)  # tables with a <table>_fts index, re-indexed by source


class NotIncremental(Exception):
    """Why this build must be a full one."""


def digest(raw: Union[bytes, memoryview]) -> str:
    return hashlib.sha256(raw).hexdigest()


# --- the inputs as bytes, and their blocks ------------------------------------------------------------


@dataclass
class RawInputs:
    """Every input's bytes, read once, and the content hash of them all (as ``read_inputs`` computes it)."""

    root: Path
    files: dict[tuple[str, str], bytes]  # (kind, path relative to the data folder) -> bytes
    paths: dict[tuple[str, str], Path]
    bib: tuple[str, bytes]  # (name, bytes)
    bib_path: Path
    content_hash: str
    _blocks: dict = field(default_factory=dict, repr=False)
    _digests: dict = field(default_factory=dict, repr=False)

    def digest(self, key: tuple[str, str]) -> str:
        """The hash of a whole input ((kind, name); the bibliography's kind is "bibliography")."""
        if key not in self._digests:
            self._digests[key] = digest(self.bib[1] if key[0] == "bibliography" else self.files[key])
        return self._digests[key]

    def blocks(self, key: tuple[str, str]) -> tuple[Optional[list[tuple[int, int]]], list[str]]:
        """A data file's item spans and their hashes, or the bibliography's entries ((kind, name))."""
        if key not in self._blocks:
            data = self.bib[1] if key[0] == "bibliography" else self.files[key]
            spans = entry_spans(data) if key[0] == "bibliography" else item_spans(data)
            view = memoryview(data)  # slices without copies
            self._blocks[key] = spans, [digest(view[a:b]) for a, b in spans or []]
        return self._blocks[key]


def iter_inputs(data: Path, bib: Optional[Path] = None) -> Iterator[tuple[str, str, Path, bytes]]:
    """(kind, name, path, bytes) of every input, one at a time, in the order the content hash takes
    them (``read_inputs``'s order); NotIncremental when any would be a problem (the full build reports it)."""
    bib = bib or default_bib(data)
    found = find_inputs(data)
    if found.problems or not found.vocabulary or not bib.is_file():
        raise NotIncremental("an input has a problem")
    root = folder(data)
    try:
        for kind, group in (("vocabulary", found.vocabulary), ("data", found.sources), ("guideline", found.guideline)):
            for path in group:
                yield kind, path.relative_to(root).as_posix(), path, path.read_bytes()
        yield "bibliography", bib.name, bib, bib.read_bytes()
    except OSError as e:
        raise NotIncremental(f"cannot read {e.filename}") from None


def read_raw(data: Path, bib: Optional[Path] = None) -> RawInputs:
    """All inputs' bytes and their content hash."""
    hasher = hashlib.sha256()
    files, paths, bibliography = {}, {}, None
    for kind, name, path, raw in iter_inputs(data, bib):
        hash_input(hasher, kind, name, raw)
        if kind == "bibliography":
            bibliography = (name, raw, path)
        else:
            files[(kind, name)], paths[(kind, name)] = raw, path
    return RawInputs(folder(data), files, paths, bibliography[:2], bibliography[2], hasher.hexdigest())


def item_spans(raw: bytes) -> Optional[list[tuple[int, int]]]:
    """Byte spans of the top-level list items of a data file (comments after an item belong to it),
    split as ``inputs.load_items`` splits the text; None when the file is not a plain list (a document
    marker or directive at a line start, or content before the first item). One scan of the file."""
    if raw.startswith((b"---", b"...", b"%")):
        return None
    starts = []
    for match in LINE_START.finditer(raw):
        if match.group()[1:2] != b"-" or match.group() == b"\n---":
            return None
        starts.append(match.start() + 1)
    if raw[:1] == b"-" and raw[1:2] in (b" ", b"\t", b"\r", b"\n", b""):
        starts.insert(0, 0)
    head = raw[: starts[0]] if starts else raw
    if not starts or any(line.strip() and not line.lstrip().startswith(b"#") for line in head.splitlines()):
        return None
    return list(zip(starts, [*starts[1:], len(raw)]))


def entry_spans(raw: bytes) -> list[tuple[int, int]]:
    """Byte spans of the bibliography's blocks, each from an ``@`` at a line start to the next."""
    starts = [m.end() - 1 for m in ENTRY_START.finditer(raw)]
    if raw.lstrip()[:1] == b"@":
        starts.insert(0, len(raw) - len(raw.lstrip()))
    return list(zip(starts, [*starts[1:], len(raw)]))


def entry_key(block: bytes) -> tuple[Optional[str], Optional[str]]:
    """(entry type, key) of a bibliography block, lower-cased type; (None, None) if unreadable."""
    match = ENTRY_HEAD.match(block)
    return (match.group(1).decode().lower(), match.group(2).decode("utf-8", "replace")) if match else (None, None)


def block_rows(raw: RawInputs, fingerprint: str, source_ids: dict[str, list[Optional[str]]],
               bib_dois: dict[str, Optional[str]]) -> list[dict]:
    """The ``input_blocks`` rows of a build: each file's hash, each data item's and bibliography entry's.

    ``source_ids`` gives, per data file, the id of the source each item defines (as parsed); a file
    whose items cannot be told apart gets its whole-file row only, so the next build re-reads it.
    """
    rows = [code_row(fingerprint)]
    for (kind, name), data in [*raw.files.items(), (("bibliography", raw.bib[0]), raw.bib[1])]:
        rows += file_rows(kind, name, data, source_ids.get(name), bib_dois, raw.blocks((kind, name)), raw.digest((kind, name)))
    return rows


def streamed_block_rows(data: Path, bib: Optional[Path], fingerprint: str, source_ids: dict[str, list[Optional[str]]],
                        bib_dois: dict[str, Optional[str]]) -> tuple[list[dict], str]:
    """The same rows for a full build, read from the files one at a time, with the content hash of
    what was read (the build compares it with what it parsed)."""
    hasher, rows = hashlib.sha256(), [code_row(fingerprint)]
    for kind, name, _, raw in iter_inputs(data, bib):
        hash_input(hasher, kind, name, raw)
        rows += file_rows(kind, name, raw, source_ids.get(name), bib_dois)
    return rows, hasher.hexdigest()


def code_row(fingerprint: str) -> dict:
    return {"kind": "code", "path": "evidence", "position": -1, "hash": fingerprint, "record": None, "doi": None}


def file_rows(kind: str, name: str, data: bytes, ids: Optional[list[Optional[str]]], bib_dois: dict[str, Optional[str]],
              blocks: Optional[tuple] = None, whole: Optional[str] = None) -> list[dict]:
    """One input's rows: the whole file's hash; its items' (data) or entries' (bibliography)."""
    rows = [{"kind": kind, "path": name, "position": -1, "hash": whole or digest(data), "record": None, "doi": None}]
    if kind not in ("data", "bibliography"):
        return rows
    spans = (item_spans(data) if kind == "data" else entry_spans(data)) if blocks is None else blocks[0]
    hashes = [digest(memoryview(data)[a:b]) for a, b in spans or []] if blocks is None else blocks[1]
    if kind == "data" and spans and ids is not None and len(ids) == len(spans):
        rows += [{"kind": kind, "path": name, "position": i, "hash": hashes[i], "record": ids[i], "doi": None}
                 for i in range(len(spans))]
    elif kind == "bibliography":
        for i, (a, b) in enumerate(spans):
            _, key = entry_key(data[a:b])
            rows.append({"kind": kind, "path": name, "position": i, "hash": hashes[i], "record": key,
                         "doi": bib_dois.get(key) if key else None})
    return rows


# --- what changed ---------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What an incremental build re-reads and replaces."""

    removed: set[str] = field(default_factory=set)  # source ids whose rows go
    reread: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # data file -> spans to parse
    entries: list[tuple[int, int]] = field(default_factory=list)  # bibliography spans to parse
    changed_keys: set[str] = field(default_factory=set)  # citation keys added, removed or changed
    kept: dict[str, tuple[str, tuple[int, int]]] = field(default_factory=dict)  # source id -> (file, span), changed files
    kept_dois: set[str] = field(default_factory=set)  # DOIs of the entries that did not change, lower case
    changed_files: set[str] = field(default_factory=set)  # data files added or changed


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


def plan(raw: RawInputs, fingerprint: str, conn: sqlite3.Connection, stored: dict) -> Plan:
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


# --- re-reading --------------------------------------------------------------------------------------------


def blanked(raw: bytes, spans: Iterable[tuple[int, int]]) -> bytes:
    """The file with everything outside ``spans`` replaced by its line breaks: what it parses to is
    what the spans hold, and every problem keeps the line it has in the file."""
    parts, at = [], 0
    for a, b in sorted(spans):
        parts += [b"\n" * raw.count(b"\n", at, a), raw[a:b]]
        at = b
    parts.append(b"\n" * raw.count(b"\n", at))
    return b"".join(parts)


def reread_inputs(raw: RawInputs, chosen: Plan, conn: sqlite3.Connection, lines: bool = False) -> Inputs:
    """The inputs a partial validation needs: the vocabularies, the re-read sources and the entries
    they cite. ``lines``: each keeps the line it has in its file (the rest blanked), for problems;
    else the blocks are read one after the other, which is quicker."""
    join = blanked if lines else (lambda data, spans: b"".join(data[a:b] for a, b in sorted(spans)))
    by_key = {}
    name, bib = raw.bib
    for span in raw.blocks(("bibliography", name))[0]:
        _, key = entry_key(bib[span[0]:span[1]])
        if key:
            by_key[key] = span
    cited = {row[0] for row in conn.execute("select citation_key from sources where id in (select value from json_each(?))",
                                            [json.dumps(sorted(chosen.removed))])}
    docs = []
    for relative, spans in sorted(chosen.reread.items()):
        key = ("data", relative)
        text, problem = decode(join(raw.files[key], spans), relative)
        if problem:
            raise NotIncremental(f"{relative} is not UTF-8")
        doc, problem = parse_yaml(raw.paths[key], text)
        if problem or not isinstance(doc.data, list):
            raise NotIncremental(f"{relative} does not parse")
        docs.append(doc)
        cited |= {item.get("citation_key") for item in doc.data if isinstance(item, dict)}
    spans = set(chosen.entries) | {by_key[k] for k in cited if isinstance(k, str) and k in by_key}
    text, problem = decode(join(bib, spans), name)
    if problem:
        raise NotIncremental("the bibliography is not UTF-8")
    bibliography, problems = parse_bib(raw.bib_path, text)
    if any(not p.warning for p in problems):
        raise NotIncremental("a bibliography entry has an error")
    vocabulary = []
    for (kind, relative), data in raw.files.items():
        if kind == "vocabulary":
            doc, _ = parse_yaml(raw.paths[(kind, relative)], data.decode("utf-8"), "a mapping of term ids to their names")
            vocabulary.append(doc)
    return Inputs(docs, bibliography, problems, raw.content_hash, vocabulary, [], raw.root)


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


# --- applying ---------------------------------------------------------------------------------------------


@dataclass
class Update:
    """A validated incremental build, ready to apply to a copy of the database."""

    raw: RawInputs
    plan: Plan
    rows: dict[str, list[dict]]
    report: Report
    fingerprint: str
    ids: dict[str, list[Optional[str]]]  # data file -> the source id of each of its items
    dois: dict[str, Optional[str]]  # citation key -> DOI (lower case), for input_blocks


def prepare(raw: RawInputs, db: Path, fingerprint: str) -> Update:
    """Read and validate what changed since ``db`` was built; NotIncremental when a full build must."""
    with closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
        stored = stored_blocks(conn)
        chosen = plan(raw, fingerprint, conn, stored)
        affected_by_bibliography(conn, chosen, raw)
        inputs = reread_inputs(raw, chosen, conn)
        ids = source_ids(raw, chosen, stored, inputs.yaml_files)  # before validation, which lets go of the records
        rows, report = validate(inputs, partial=True)
        if report.problems:  # read again, every block on its own line, so that each problem has its line
            rows, report = validate(reread_inputs(raw, chosen, conn, lines=True), partial=True)
    if report.errors:
        raise NotIncremental(f"{len(report.errors)} error(s) in what changed")
    entries = inputs.bibliography.entries if inputs.bibliography else {}
    dois = {b[2]: b[3] for (kind, _), blocks in stored.items() if kind == "bibliography" for b in blocks if b[0] >= 0 and b[2]}
    for key, entry in entries.items():
        doi = (entry.text("doi") or "").lower() or None
        if doi and doi in chosen.kept_dois and dois.get(key) != doi:
            raise NotIncremental(f"the DOI {doi} is given twice")
        dois[key] = doi
    return Update(raw, chosen, rows, report, fingerprint, ids, dois)


def source_ids(raw: RawInputs, chosen: Plan, stored: dict, docs: list[YamlFile]) -> dict[str, list[Optional[str]]]:
    """The source id of every item of every data file, as the next build will need them."""
    parsed = {doc.path: doc for doc in docs}
    ids: dict[str, list[Optional[str]]] = {}
    for (kind, relative), data in raw.files.items():
        if kind != "data":
            continue
        if relative not in chosen.changed_files:  # the ids are where they were
            ids[relative] = [b[2] for b in stored.get((kind, relative), []) if b[0] >= 0]
            continue
        spans = raw.blocks((kind, relative))[0] or []
        by_span = {span: record for record, (f, span) in chosen.kept.items() if f == relative}
        doc = parsed.get(raw.paths[(kind, relative)])
        new = iter(item.get("id") if isinstance(item, dict) else None for item in (doc.data if doc else []))
        reread = set(chosen.reread.get(relative, []))
        ids[relative] = [next(new, None) if span in reread else by_span.get(span) for span in spans]
    return ids


def apply(update: Update, conn: sqlite3.Connection, content_hash: str, refresh: Iterable[str]) -> list:
    """Apply the update to ``conn`` (a copy of the previous database) in one transaction; returns the
    changes, as a full build's diff would give them. NotIncremental when a check across records fails."""
    tables = {model.__tablename__: model.__table__ for model in TABLES}
    rows, removed = update.rows, sorted(update.plan.removed)
    conn.execute("pragma foreign_keys = off")  # checked at the end, across the whole database
    conn.execute("begin")
    labels = relabel(conn, removed, rows["sources"])
    affected = sorted(set(removed) | {r["id"] for r in rows["sources"]} | set(labels))
    before = restricted_snapshot(conn, affected)
    search_index(conn, affected, "delete")
    for table, where in (("study_results", "finding_id in (select id from findings where source_id in {ids})"),
                         ("findings", "source_id in {ids}"), ("economic_evaluations", "source_id in {ids}"),
                         ("sources", "id in {ids}")):
        conn.execute(f"delete from {table} where " + where.format(ids="(select value from json_each(?))"),
                     [json.dumps(removed)])
    for table in SOURCE_TABLES:
        insert_rows(conn, tables[table], rows.get(table, []))
    conn.executemany("update sources set label = ? where id = ?", [(label, i) for i, label in labels.items()])
    search_index(conn, affected, "insert")
    check_links(conn)
    changes = diff.diff(before, restricted_snapshot(conn, affected))
    conn.execute("delete from changes")
    insert_rows(conn, ChangeRecord.__table__, diff.rows(changes))
    conn.execute("delete from input_blocks")
    insert_rows(conn, InputBlock.__table__, block_rows(update.raw, update.fingerprint, update.ids, update.dois))
    stamp(conn, content_hash)
    conn.execute("commit")
    conn.executescript("".join(sql(name) for name in refresh))  # the derived tables, as a full build ends
    return changes


def relabel(conn: sqlite3.Connection, removed: list[str], new_sources: list[dict]) -> dict[str, str]:
    """Labels of sources that keep their rows but change because a source of the same first author
    and year came or went; sets the labels of the new sources. Returns {source id: new label}."""
    gone = conn.execute("select id, bibtex, year from sources where id in (select value from json_each(?))",
                        [json.dumps(removed)]).fetchall()
    bases = {base_of(*row) for row in gone} | {row["label"] for row in new_sources}
    changed: dict[str, str] = {}
    for base in sorted(bases):
        stay = [{"id": i, "label": base, "old": label} for i, label, bibtex, year in conn.execute(
            "select id, label, bibtex, year from sources where (label = ? or (substr(label, 1, length(?)) = ? and "
            "length(label) = length(?) + 1)) and id not in (select value from json_each(?))",
            [base, base, base, base, json.dumps(removed)]) if base_of(i, bibtex, year) == base]
        group = stay + [row for row in new_sources if row["label"] == base]
        add_labels(group)
        changed.update((row["id"], row["label"]) for row in stay if row["label"] != row["old"])
    return changed


def base_of(source_id: str, bibtex: Optional[str], year: Optional[int]) -> str:
    """The label a source row had before sources of one label were told apart (see add_labels)."""
    entry = None
    if bibtex:
        parsed, _ = parse_bib(Path("references.bib"), bibtex)
        entry = next(iter(parsed.entries.values()), None)
    return base_label(source_id, entry, year)


def restricted_snapshot(conn: sqlite3.Connection, sources: list[str]) -> dict:
    """diff.snapshot of the records of these sources only: every other record is the same in both."""
    ids = json.dumps(sources)
    return {"sources": {r["id"]: r for r in records(conn, "select * from sources where id in (select value from json_each(?))", [ids])},
            **{table: {r["id"]: r for r in records(conn, f"select * from {table} where source_id in "
                                                         "(select value from json_each(?))", [ids])}
               for table in ("findings", "economic_evaluations")}}


def search_index(conn: sqlite3.Connection, sources: list[str], action: str) -> None:
    """Take the records of these sources out of the full-text indexes ("delete", with the values they
    were indexed with, before they change) or put them in ("insert", after)."""
    ids = json.dumps(sources)
    for table in SEARCHED:
        columns = [d[0] for d in conn.execute(f"select * from {table}_fts limit 0").description]
        key = "id" if table == "sources" else "source_id"
        values = ", ".join(columns)
        head = (f"insert into {table}_fts ({table}_fts, rowid, {values}) select 'delete', rid, {values}"
                if action == "delete" else f"insert into {table}_fts (rowid, {values}) select rid, {values}")
        conn.execute(f"{head} from search_{table} where rid in (select rowid from {table} where {key} in "
                     "(select value from json_each(?)))", [ids])


def check_links(conn: sqlite3.Connection) -> None:
    """What a full build checks across records: every link leads to a record that exists (foreign
    keys, the guideline's findings), and same_result_as to another record that is not itself a repeat."""
    # findings' one key (source_id) holds by construction: a source goes with its findings, and new
    # findings come with their source. Every other table is checked (each is small beside findings).
    for table in [model.__tablename__ for model in TABLES if model.__table__.foreign_keys]:
        if table != "findings" and conn.execute(f"pragma foreign_key_check({table})").fetchone():
            raise NotIncremental(f"a link in {table} leads to a record that is gone")
    for table in ("findings", "economic_evaluations"):
        broken = conn.execute(f"select 1 from {table} a left join {table} b on b.id = a.same_result_as where "
                              "a.same_result_as is not null and (b.id is null or b.id = a.id or b.same_result_as is not null) "
                              "limit 1").fetchone()
        if broken:
            raise NotIncremental(f"a same_result_as link in {table} does not hold")


def stamp(conn: sqlite3.Connection, content_hash: str) -> None:
    """build_info as a full build writes it: time, content hash and the rows per table."""
    counts = {name: conn.execute(f"select count(*) from {name}").fetchone()[0] for name in counted_tables()}
    conn.execute("update build_info set built_at = ?, content_hash = ?, row_counts = ?",
                 [datetime.now(timezone.utc).isoformat(timespec="seconds"), content_hash, json.dumps(counts, sort_keys=True)])
