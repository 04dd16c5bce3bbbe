"""The yaml_rs fast path and its guards: YAML parsed a chunk of items at a time by yaml_rs wherever it
provably reads what PyYAML's safe loader reads (``yaml_safe.Loader``), by PyYAML elsewhere; a plain list
of sources parsed lazily while validation reads it; and the guard that runs before either parser
(collections nested deeper than ``MAX_DEPTH`` crash both)."""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

import yaml
import yaml_rs

from .problems import Problem
from .text import found, searcher
from .yaml_safe import Loader, YamlFile, yaml_problem

MAX_DEPTH = 200  # curated records nest about 6 deep; libyaml overflows the C stack (a crash) near 25,000
FLOW = re.compile(r"[\[\]{}]")
COMPACT = re.compile(r"(?:[-?][ \t]+){%d,}" % MAX_DEPTH)  # "- - - - x": block collections on one line
INDENT = re.compile(r"^[ \t]{%d,}" % (2 * MAX_DEPTH), re.M)


HAS_COMPACT = searcher(COMPACT.pattern)
HAS_INDENT = searcher("(?m)" + INDENT.pattern)
HAS_BRACKET = searcher(r"[\[{]")


def too_deep(text: str) -> Optional[int]:
    """The line where collections nest deeper than MAX_DEPTH, or None.

    Brackets inside quoted strings count too; that can only overestimate, never let a bomb through.
    libyaml and yaml_rs both crash on block collections nested some ten thousand deep, so this runs
    before either parser. Fast first: fewer opening brackets than MAX_DEPTH cannot nest deeper, and
    the two line patterns are first looked for by the Rust engine; ``re`` finds the line only on a hit.
    """
    if found(HAS_BRACKET, text) and text.count("[") + text.count("{") > MAX_DEPTH:
        depth = 0
        for match in FLOW.finditer(text):
            depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
            if depth > MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
    wide = "\t" in text or " " * (2 * MAX_DEPTH) in text  # what INDENT needs: a fast substring search
    for pattern, present in ((COMPACT, HAS_COMPACT), (INDENT, HAS_INDENT)):
        match = pattern.search(text) if (pattern is COMPACT or wide) and found(present, text) else None
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None



class Unparsable(Exception):
    """Raised from LazyItems when a chunk turns out not to parse: the file's problem, as parse_yaml
    would have reported it, after the items before it were read."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class LazyItems:
    """The items of a plain top-level list, parsed chunk by chunk as they are iterated (once), by the
    same fast path as ``load_items``. A chunk that does not parse makes the whole document be parsed,
    as ``load_items`` does: its error is raised as Unparsable, or, when the whole document parses (a
    split that fell inside a quoted scalar), the items not yet given are given from it."""

    def __init__(self, doc: YamlFile, starts: list[int]):
        self.doc, self.starts = doc, starts

    @classmethod
    def of(cls, doc: YamlFile) -> Optional["LazyItems"]:
        """LazyItems for the text, or None when it is not a plain top-level list (parse it whole)."""
        starts = plain_list(doc.text)
        return cls(doc, starts) if starts else None

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[Any]:
        text, given = self.doc.text, 0
        try:
            for chunk in _chunks(self.starts, len(text)):
                for item in _load_chunk(text, chunk):
                    given += 1
                    yield item
        except (_WholeDocument, yaml.YAMLError):
            try:
                whole = yaml.load(text, Loader=Loader)
            except yaml.YAMLError as e:
                raise Unparsable(yaml_problem(self.doc, e)) from None
            if not isinstance(whole, list):
                raise Unparsable(Problem(self.doc.name, "the top level must be a list of sources", line=1)) from None
            yield from whole[given:]



ITEM = re.compile(r"^-(?=[ \t\r\n]|$)", re.M)  # a top-level sequence item starts at column 0
UNUSUAL = re.compile(r"^(?:---|\.\.\.|%)", re.M)  # document markers and directives: parse whole
HAS_UNUSUAL = searcher("(?m)" + UNUSUAL.pattern)


class _WholeDocument(Exception):
    """The text is not a plain top-level list, or an item did not parse on its own."""


# --- the fast path: yaml_rs wherever it provably reads what PyYAML's safe loader reads ---------------
#
# yaml_rs (Rust, YAML 1.2 core schema with some 1.1 forms) parses several times faster than libyaml
# with PyYAML's Python constructor. Where the two could differ, RISKY matches and the item is read by
# PyYAML (``Loader``) instead; anything yaml_rs refuses (a syntax error, a duplicate key, flow
# collections nested 256 deep) is read by PyYAML too, so every problem and its line are PyYAML's.
# What RISKY looks for, each measured against PyYAML 6.0.3 and yaml_rs 0.1.6 (tests/test_fast_yaml.py):
#   - a plain scalar that resolves differently (yes/no/on/off are booleans only in YAML 1.1; 017 and
#     0_17 are octal, 08 and 0o17 text, 1:20 a sexagesimal 80, 1e3 and +.5 text in PyYAML; 2024-03-01
#     a date, 2024-13-45 an error; = and << are PyYAML's value and merge keys): any token that starts
#     like a number and is not a plain decimal (12, -3, 0.25; a token with a letter no number has, like
#     002_1.txt, is text in both), the four boolean words, =, << and anything that starts like a date,
#     wherever a plain scalar can start (a line's indentation, "- ", ": ", "? ", a flow indicator; not
#     after another word, so prose that wraps after "no" or "8." is not a match);
#   - characters PyYAML refuses or reads as line breaks and yaml_rs does not (C0/C1 controls, U+FFFE,
#     NEL, LS, PS), a byte-order mark, the tab (YAML 1.1 and 1.2 treat it differently), and the
#     characters that ``HOSTILE`` refuses, so their problem is found exactly as before;
#   - tags (``!``: yaml_rs ignores unknown ones), complex keys (``?``, or a flow collection used as a
#     key: yaml_rs makes tuples of them, PyYAML refuses them), empty keys ("- : 0": libyaml refuses);
#   - flow collections other than a one-line [a, b] of plain words: in flow context PyYAML reads every
#     ":" as a value indicator ([x:], {a:1}), YAML 1.2 only one followed by a space, and refuses
#     [a, |] and [>], which yaml_rs reads as text.
_TOKEN = r"[0-9A-Za-z_.:+\-]"  # what a number, date or boolean is made of
_DIGITS = r"[0-9a-fA-FxXoO_.:+\-]"  # what a token that starts with a digit is made of when it is a number
_STARTS = r"(?:^|[ \t\r\n\[\]{},:?])"  # what can come right before an indicator
_SCALAR = r"(?:[\n\r][ \t]*|^[ \t]*|[-?:][ \t]+|[\[{,][ \t]*)"  # where a plain scalar can start: not after a word
_ENDS = r"[ \t\r]*(?:$|[#,\[\]{}]|:(?:[ \t\r]|$))"  # what can come right after a whole plain scalar
_NUMBER = "|".join([  # tokens that start like a number and are not -?[0-9]+ or -?[0-9]+\.[0-9]+ (no 0 lead)
    rf"[+._]{_TOKEN}*",
    rf"-[A-Za-z_.:+\-]{_TOKEN}*",
    rf"-?0[0-9_]{_DIGITS}*",
    rf"-?[0-9]+[A-Za-z_:+]{_DIGITS}*",  # not "-": 6-12 and 0-0 are text in both (dates are looked for on their own)
    r"-?[0-9]+\.",
    rf"-?[0-9]+\.[0-9]*[A-Za-z_.:+]{_DIGITS}*",
])
_WORDS = r"[yY]es|YES|[nN]o|NO|[oO]n|ON|[oO]ff|OFF|<<|="
_CHARACTERS = ("[^\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
               "|[\x85\u2028\u2029\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_DATE = r"[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt \t]|" + _ENDS + ")"  # all that PyYAML's timestamps can start with
_FLOW = r"\{|\[[^\[\]{}:\r\n\"'|>!&*@`%#?\t]*(?:[\[{:\r\n\"'|>!&*@`%#?\t]|$)"  # all but a plain one-line [a, b]
RISKY = ("(?m)" + _CHARACTERS + "|" + _STARTS + r"(?:[!?]|:(?:[ \t\r]|$)|" + _FLOW + ")|" + _SCALAR + "(?:" + _DATE
         + "|(?:" + _NUMBER + "|" + _WORDS + ")" + _ENDS + r")|[\]}][ \t]*:")
HAS_RISKY = searcher(RISKY)
CHUNK = 1 << 18  # characters of items per yaml_rs call: bounds its own tree, which exists for one call at a time


def load_items(text: str) -> Any:
    """Parse a top-level list one item (or one chunk of items) at a time, so no parser's tree ever
    exists for the whole file at once: for libyaml at 100k findings that is gigabytes.

    Anything else, or any item that fails alone (a split inside a quoted scalar always does), is
    parsed as one document by PyYAML, which gives the same result and the precise error.
    """
    starts = plain_list(text)
    try:
        if not starts:
            raise _WholeDocument
        items: list = []
        for chunk in _chunks(starts, len(text)):
            items += _load_chunk(text, chunk)
        return items
    except (_WholeDocument, yaml.YAMLError):
        return yaml.load(text, Loader=Loader)


def plain_list(text: str) -> Optional[list[int]]:
    """Where the items of a plain top-level list start, or None when the text is anything else
    (document markers, directives, content before the first item): then it is parsed whole."""
    starts = item_starts(text)
    if not starts or found(HAS_UNUSUAL, text) or _has_content(text[: starts[0]]):
        return None
    return starts


def item_starts(text: str) -> list[int]:
    """Where ITEM matches, by a substring search for the line break before it (faster than ``re``)."""
    starts = [0] if text[:1] == "-" and text[1:2] in ("", " ", "\t", "\r", "\n") else []
    at = text.find("\n-")
    while at >= 0:
        if text[at + 2: at + 3] in ("", " ", "\t", "\r", "\n"):
            starts.append(at + 1)
        at = text.find("\n-", at + 2)
    return starts


def _chunks(starts: list[int], length: int) -> list[list[tuple[int, int]]]:
    """The items' spans, grouped into runs of about CHUNK characters."""
    chunks: list[list[tuple[int, int]]] = [[]]
    for start, end in zip(starts, [*starts[1:], length]):
        if chunks[-1] and end - chunks[-1][0][0] > CHUNK:
            chunks.append([])
        chunks[-1].append((start, end))
    return chunks


def _load_chunk(text: str, spans: list[tuple[int, int]]) -> list:
    """The items of one chunk: all by yaml_rs when RISKY finds nothing in the chunk, else each item by
    yaml_rs or PyYAML as RISKY decides for it. A chunk yaml_rs refuses is read item by item by PyYAML."""
    part = text[spans[0][0]: spans[-1][1]]
    if not part.endswith("\n"):  # the last item of a file without a final line break: a block scalar
        last = text[spans[-1][0]: spans[-1][1]]  # there would keep a line break in yaml_rs, not in PyYAML
        return [*(_load_chunk(text, spans[:-1]) if len(spans) > 1 else []), _pyyaml_item(last)]
    if not HAS_RISKY(part):
        items = _yaml_rs(part, len(spans))
        return items if items is not None else [_pyyaml_item(text[start:end]) for start, end in spans]
    return [_load_item(text[start:end]) for start, end in spans]


def _load_item(item: str) -> Any:
    """One item of a chunk where RISKY matched: only the items it matches in are PyYAML's."""
    parsed = None if HAS_RISKY(item) else _yaml_rs(item, 1)
    return parsed[0] if parsed is not None else _pyyaml_item(item)


def _yaml_rs(part: str, count: int) -> Optional[list]:
    """yaml_rs's list of ``count`` items, or None when it refuses the text or reads another count
    (then the split was not where the items are, and PyYAML decides)."""
    try:
        parsed = yaml_rs.loads(part, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
    except BaseException as e:  # a refusal, or a Rust panic (pyo3 raises PanicException, a BaseException)
        if not isinstance(e, Exception) and type(e).__name__ != "PanicException":
            raise  # KeyboardInterrupt, SystemExit
        return None
    return parsed if isinstance(parsed, list) and len(parsed) == count else None


def _pyyaml_item(item: str) -> Any:
    """One item as the build always read it; _WholeDocument when it is not exactly one list item."""
    part = yaml.load(item, Loader=Loader)
    if not isinstance(part, list) or len(part) != 1:
        raise _WholeDocument
    return part[0]


def _has_content(head: str) -> bool:
    """Anything but blank lines and comments (a blank head, such as an incremental build's, is quick)."""
    return bool(head.strip()) and any(line.strip() and not line.lstrip().startswith("#") for line in head.splitlines())
