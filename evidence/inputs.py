"""Reading the inputs: curated YAML files and the BibTeX bibliography.

The fast path parses with libyaml (``yaml.CSafeLoader``) straight to Python objects. Line numbers
are worked out only when there is a problem to report, by composing the file's node tree once
(``YamlFile.line_of``). The safe loader never constructs Python objects from tags such as
``!!python/object``; anchors and aliases are refused so that an alias bomb cannot expand.

What YAML and BibTeX would silently accept is refused with its line: a mapping key given twice (YAML
keeps the last value), ``!!binary`` values, control and bidirectional-override characters in text,
and in the bibliography stray text between entries, a value followed by more text (a missing comma),
undefined ``@string`` macros, entries without a key or a year, keys that differ only in case, two
entries with one DOI, and braces nested deeper than ``MAX_BRACE_DEPTH``. Files below the data folder
that would not be read (``*.yml``, dangling symlinks, symlink loops, symlinks out of the folder,
folders that cannot be listed) are problems too, found before any file is opened.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

import bibtexparser
import yaml
import yaml_rs
from bibtexparser.model import DuplicateBlockKeyBlock, ImplicitComment
from pydantic_core import SchemaValidator, core_schema

from .problems import EvidenceError, Problem

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its failures are reported as Problems


def display(path: Path) -> str:
    """The path as the user will recognise it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


@dataclass
class YamlFile:
    path: Path
    text: str
    data: Any = None
    _root: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return display(self.path)

    def node_of(self, keypath: Sequence) -> Any:
        """The node at ``keypath`` (the deepest that exists), composed only when asked for."""
        if self._root is None:
            self._root = yaml.compose(self.text, Loader=yaml.CSafeLoader)
        node = self._root
        for key in keypath:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == str(key)), None)
                if match is None:
                    return node
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                return node
        return node

    def line_of(self, keypath: Sequence) -> int:
        """1-based line of the deepest node of ``keypath`` that exists (the key's line for mappings)."""
        if self._root is None:
            self._root = yaml.compose(self.text, Loader=yaml.CSafeLoader)
        node, line = self._root, 1
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for key in keypath:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
                if match is None:
                    return line
                line, node = match[0].start_mark.line + 1, match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line


@dataclass
class BibEntry:
    key: str
    line: int
    entry_type: str
    fields: dict[str, str]  # raw BibTeX values, braces kept (name parsing needs them)
    raw: str = ""  # the entry as written in the .bib file

    def text(self, name: str) -> Optional[str]:
        """A field as plain text, without the braces BibTeX uses to protect capitals."""
        value = self.fields.get(name)
        return " ".join(value.replace("{", "").replace("}", "").split()) or None if value else None


@dataclass
class Bibliography:
    path: Path
    entries: dict[str, BibEntry] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display(self.path)


@dataclass
class Inputs:
    yaml_files: list[YamlFile]
    bibliography: Optional[Bibliography]
    problems: list[Problem]
    content_hash: str
    vocabulary_files: list[YamlFile] = field(default_factory=list)  # data/vocabulary/<kind>.yaml
    guideline_files: list[YamlFile] = field(default_factory=list)  # data/guideline.yaml
    root: Optional[Path] = None  # the data folder (the source documents are found beside the repository)


VOCABULARY = "vocabulary"  # the folder of curated vocabularies inside the data folder
CURATED = ("condition", "document", "intervention_type", "outcome")  # in data/vocabulary/<kind>.yaml
GUIDELINE = "guideline.yaml"  # the guideline's questions, recommendations and considerations


def folder(data: Path) -> Path:
    """The data folder: ``data`` itself, or the folder of a single data file."""
    return data if data.is_dir() else data.parent


@dataclass
class Found:
    """The input files below the data folder, and the files that would silently not be read."""

    sources: list[Path] = field(default_factory=list)
    vocabulary: list[Path] = field(default_factory=list)
    guideline: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


YAML_SUFFIXES = (".yaml", ".yml")  # compared case-insensitively; only .yaml is read


def find_inputs(data: Path) -> Found:
    """Walk the data folder (or take the one data file) without opening any file: every *.yaml in a
    stable order, sorted into sources, curated vocabularies (vocabulary/<kind>.yaml) and the guideline
    file. Anything that would be skipped silently is a problem instead: *.yml and *.YAML files (only
    .yaml is read: rename them), dangling symlinks, symlink loops, symlinks that lead out of the data
    folder (refused before the file they point to is read), symlinked folders (not followed, so a
    loop cannot recurse) and folders that cannot be listed."""
    found = Found()
    if data.is_dir():
        root = data
        candidates = _walk(root, root, found.problems)
    elif data.is_file():
        root = data.parent
        candidates = [data]
        if (root / VOCABULARY).is_dir() and not (root / VOCABULARY).is_symlink():
            candidates += _walk(root / VOCABULARY, root, found.problems)
    else:
        raise EvidenceError(f"{display(data)}: no such file or directory")
    for path in sorted(set(candidates)):
        relative = path.relative_to(root)
        if relative.parts[0] == VOCABULARY and (data.is_dir() or path != data):
            if len(relative.parts) == 2:
                found.vocabulary.append(path)
            else:
                found.problems.append(Problem(display(path), "not read: curated vocabularies are "
                                              f"{VOCABULARY}/<kind>.yaml, directly in the {VOCABULARY} folder", line=1))
        elif relative.as_posix() == GUIDELINE and data.is_dir():
            found.guideline.append(path)
        else:
            found.sources.append(path)
    return found


def _walk(top: Path, root: Path, problems: list[Problem]) -> list[Path]:
    """The *.yaml files below ``top`` that are safe to read; problems for the ones that are not."""
    paths = []

    def unlisted(error: OSError) -> None:
        problems.append(Problem(display(Path(error.filename or top)), f"cannot list this folder ({error.strerror or error}): "
                                "the files in it were not read", line=1))

    inside = root.resolve()
    for dirpath, dirnames, filenames in os.walk(top, onerror=unlisted):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if (here / name).is_symlink():
                problems.append(Problem(display(here / name), "a symlink to a folder: not followed; move the folder "
                                        "into the data folder instead", line=1))
        for name in sorted(filenames):
            path = here / name
            if not name.lower().endswith(YAML_SUFFIXES) or name.startswith(".#"):  # .#x.yaml: an editor's lock
                continue
            problem = _unreadable(path, inside)
            if problem:
                problems.append(problem)
            elif not name.endswith(".yaml"):
                stem = name[: -len(Path(name).suffix)]
                problems.append(Problem(display(path), f"not read: data files end in .yaml; rename it to {stem}.yaml",
                                        line=1))
            else:
                paths.append(path)
    return paths


def _unreadable(path: Path, inside: Path) -> Optional[Problem]:
    """Why ``path`` must not be read (a symlink out of the data folder, dangling or in a loop; not a
    regular file), or None. Looks at the link and the target's metadata only, never its content."""
    if path.is_symlink():
        target = os.readlink(path)
        try:
            resolved = path.resolve(strict=True)
        except FileNotFoundError:
            return Problem(display(path), f"a dangling symlink (to {target}): the file it names does not exist", line=1)
        except (RuntimeError, OSError):
            return Problem(display(path), f"a symlink loop (to {target}): it never reaches a file", line=1)
        if not resolved.is_relative_to(inside):
            return Problem(display(path), f"a symlink to {resolved}, outside the data folder: not read", line=1)
    try:
        mode = path.stat().st_mode
    except OSError as e:
        return Problem(display(path), f"cannot read ({e.strerror or e})", line=1)
    if not stat.S_ISREG(mode):
        return Problem(display(path), "not a regular file: not read", line=1)
    return None


def yaml_paths(data: Path) -> list[Path]:
    """The source files to load: the file itself, or every *.yaml below a folder, in a stable order
    (the curated vocabularies and the guideline file are read as what they are, not as sources)."""
    return find_inputs(data).sources


def default_bib(data: Path) -> Path:
    return folder(data) / "references.bib"


def decode(raw: bytes, name: str) -> tuple[Optional[str], Optional[Problem]]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, Problem(name, f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8", line=line)


MAX_DEPTH = 200  # curated records nest about 6 deep; libyaml overflows the C stack (a crash) near 25,000
FLOW = re.compile(r"[\[\]{}]")
COMPACT = re.compile(r"(?:[-?][ \t]+){%d,}" % MAX_DEPTH)  # "- - - - x": block collections on one line
INDENT = re.compile(r"^[ \t]{%d,}" % (2 * MAX_DEPTH), re.M)


def searcher(pattern: str) -> Callable[[str], bool]:
    """Whether ``pattern`` occurs anywhere in a text, decided by the Rust regex crate that pydantic-core
    (already a dependency, through pydantic) carries. Linear time and many times faster than ``re`` on
    the scans that read every character of a 100 MB input; ``re`` still finds the line when one matches.
    The pattern must mean the same in both engines: no look-around, no back-references."""
    return SchemaValidator(core_schema.str_schema(pattern=pattern, regex_engine="rust-regex")).isinstance_python


SLICE = 1 << 22  # characters per scan of a non-ASCII text


def found(search: Callable[[str], bool], text: str) -> bool:
    """``search`` over the text, in slices cut after a line break when the text is not ASCII.

    The Rust side reads UTF-8, which CPython makes once per non-ASCII string and keeps as long as the
    string lives: a copy of the whole file, so large texts are scanned a slice at a time (the guards
    look at one line at a time, so a cut after a line break changes nothing)."""
    if text.isascii() or len(text) <= SLICE:
        return search(text)
    start = 0
    while start < len(text):
        end = text.find("\n", start + SLICE) + 1 or len(text)
        if search(text[start:end]):
            return True
        start = end
    return False


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


class DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping names the same key twice; YAML would keep the last value and drop the others."""

    def __init__(self, key: Any, first: yaml.Mark, again: yaml.Mark):
        super().__init__("while constructing a mapping", first, f"found duplicate key {key!r}", again)
        self.key = key


class Loader(yaml.CSafeLoader):
    """libyaml's safe loader that refuses duplicate keys and ``!!binary``.

    The duplicate check costs one length comparison per mapping: a dict built from a mapping node
    with n pairs has fewer than n keys only when a key repeats. Only then are the keys looked at
    again, to name the key and both lines.
    """

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            first: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)  # already built: comes from the cache
                if key in first:
                    raise DuplicateKey(key, first[key], key_node.start_mark)
                first[key] = key_node.start_mark
        return mapping

    def construct_binary(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None, None, "binary data (!!binary) is not allowed in curated data; write the text out", node.start_mark)


Loader.add_constructor("tag:yaml.org,2002:binary", Loader.construct_binary)


def _marked(construct: Any, kind: str) -> Any:
    """PyYAML's constructor for ``kind``, raising a marked error where it raised a bare ValueError (a
    traceback, no line): 2024-13-45 and 2024-02-30 look like dates, 0b_ and 0x_ like numbers."""

    def wrapped(loader: Loader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except ValueError as e:
            message = f"{node.value!r} is not a valid {kind} ({e}); quote it to keep it as text"
            raise yaml.constructor.ConstructorError(None, None, message, node.start_mark) from None

    return wrapped


for _tag, _kind in (("tag:yaml.org,2002:timestamp", "date"), ("tag:yaml.org,2002:int", "number"),
                   ("tag:yaml.org,2002:float", "number")):
    Loader.add_constructor(_tag, _marked(Loader.yaml_constructors[_tag], _kind))

# Characters that can hide or disguise text: C0 and C1 controls (but tab, line feed and the carriage
# return of CRLF files), DEL, and the bidirectional marks, embeddings, overrides and isolates.
HOSTILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE_VALUE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ESCAPE = re.compile(r"\\[0abefvrNLPxuU_]")  # YAML escapes that can write such a character in a quoted scalar
HAS_HOSTILE = searcher(HOSTILE.pattern)
# An anchor (&name) or alias (*name) as libyaml scans one: at the start of a token, so never right after a
# letter or digit, and named by at least one of [0-9A-Za-z_-]. "Smith & Jones" and "R&D" are neither, so
# they no longer cost the whole-file event parse of _refuse_anchors, which finds nothing in them.
HAS_ANCHOR = searcher(r"(?:^|[^0-9A-Za-z])[&*][0-9A-Za-z_\-]")
CONTROL_NAMES = {0: "NUL", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x0D: "CARRIAGE RETURN"}


def char_name(char: str) -> str:
    """U+202E (RIGHT-TO-LEFT OVERRIDE), U+0000 (NUL): how a problem names a refused character."""
    code = ord(char)
    return f"U+{code:04X} ({CONTROL_NAMES.get(code) or unicodedata.name(char, 'a control character')})"


def hostile_message(char: str) -> str:
    return f"contains {char_name(char)}, a control character that can hide or disguise text; remove it"


def parse_yaml(path: Path, text: str, expected: str = "a list of sources",
               lazy: bool = False) -> tuple[YamlFile, Optional[Problem]]:
    """Parse a YAML file into ``doc.data``, or the problem that stops it. ``lazy``: a plain top-level
    list becomes LazyItems, parsed a chunk at a time while it is read, so the parsed records of a large
    file never exist all at once (a late parse problem is raised from the iteration as Unparsable)."""
    doc = YamlFile(path, text)
    deep = too_deep(text)
    if deep:
        return doc, Problem(doc.name, f"collections nest more than {MAX_DEPTH} levels deep", line=deep)
    if "&" in text and found(HAS_ANCHOR, text):  # only a file with an anchor can hold aliases; the check costs a parse
        problem = _refuse_anchors(doc)
        if problem:
            return doc, problem
    hostile = found(HAS_HOSTILE, text) or ESCAPE.search(text)  # cheap scans: values are walked only when one matches
    try:
        doc.data = LazyItems.of(doc) if lazy and not hostile else None
        if doc.data is None:
            doc.data = load_items(text)
    except yaml.YAMLError as e:
        return doc, yaml_problem(doc, e)
    if doc.data is None:
        return doc, Problem(doc.name, f"the file is empty; expected {expected}", line=1)
    if hostile:
        problem = _hostile_text(doc)
        if problem:
            doc.data = None
            return doc, problem
    return doc, None


def yaml_problem(doc: YamlFile, e: yaml.YAMLError) -> Problem:
    """The problem a parse error is reported as, with its line."""
    if isinstance(e, DuplicateKey):
        return Problem(doc.name, f"duplicate key (also at line {e.context_mark.line + 1}): YAML would keep only "
                       "the last value; remove or rename one", field=str(e.key), line=e.problem_mark.line + 1)
    if isinstance(e, yaml.MarkedYAMLError):
        return Problem(doc.name, f"invalid YAML: {_yaml_message(e)}", line=_yaml_line(e))
    return Problem(doc.name, f"invalid YAML: {e}", line=1)


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


def _hostile_text(doc: YamlFile) -> Optional[Problem]:
    """The first key or text value, in file order, with a character HOSTILE_VALUE refuses."""
    stack: list[tuple[tuple, Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and (match := HOSTILE_VALUE.search(key)):
                    return _hostile(doc, path, match.group(), key=True)
            stack.extend(((*path, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str) and (match := HOSTILE_VALUE.search(value)):
            return _hostile(doc, path, match.group())
    return None


def _hostile(doc: YamlFile, path: tuple, char: str, key: bool = False) -> Problem:
    """The problem at the value's line, or at the line of the character where it is written raw."""
    node = doc.node_of(path)
    line = node.start_mark.line + 1 if node is not None else 1
    if node is not None and not key:
        raw = HOSTILE.search(doc.text, node.start_mark.index, node.end_mark.index)
        if raw:
            line = doc.text.count("\n", 0, raw.start()) + 1
    names = [str(k) for k in path if isinstance(k, str)]
    message = hostile_message(char)
    return Problem(doc.name, f"a field name {message}" if key else message, field=names[-1] if names else "", line=line)


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


def _yaml_line(e: yaml.MarkedYAMLError) -> int:
    """Where to look: the construct that was left open when the parser ran into the end of the file."""
    mark = e.problem_mark or e.context_mark
    if e.context_mark and e.problem and "end of stream" in e.problem:
        mark = e.context_mark
    return mark.line + 1 if mark else 1


def _yaml_message(e: yaml.MarkedYAMLError) -> str:
    message = " ".join(str(m) for m in (e.context, e.problem) if m) or "syntax error"
    if e.context_mark and e.problem_mark and e.context_mark.line != e.problem_mark.line:
        message += f" (at line {e.problem_mark.line + 1}, opened at line {e.context_mark.line + 1})"
    if e.context == "while scanning a simple key" and e.context_mark and e.problem_mark and \
            e.problem_mark.index - e.context_mark.index >= 1024:  # YAML's limit for a key without "? "
        message += ": a key is at most 1024 characters long"
    return message


def _refuse_anchors(doc: YamlFile) -> Optional[Problem]:
    try:
        for event in yaml.parse(doc.text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return Problem(
                    doc.name,
                    "YAML anchors and aliases are not allowed in curated data; write the values out",
                    line=event.start_mark.line + 1,
                )
    except yaml.YAMLError:
        return None  # the full parse reports the syntax error with its line
    return None


MAX_BRACE_DEPTH = 16  # real entries nest 4 or 5 deep (an accent in a field); the RIS export recursed out near 300
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")  # BibTeX's own macros
BAD_KEY = re.compile(r"[\s#%\"\\=~]")  # whitespace; # concatenates, % comments; quotes, \\, =, ~ are misread
MACRO = re.compile(r"[A-Za-z_][\w\-:.+/']*")


class _Malformed(ValueError):
    pass


def _parts(raw: str) -> list[str]:
    """Split a BibTeX value at its top-level ``#`` (concatenation), braces and quotes respected."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    return [*parts, raw[start:]]


def _enclosed(part: str, open_: str, close: str) -> bool:
    """``{…}`` or ``"…"`` around the whole part: the first opening is closed by the last character."""
    if len(part) < 2 or part[0] != open_ or part[-1] != close:
        return False
    depth = 0
    for i, char in enumerate(part[1:-1], 1):
        depth += char == "{"
        depth -= char == "}"
        if depth < 0 or (open_ == '"' and char == '"' and depth == 0):
            return False
    return depth == 0


def bib_value(raw: str, strings: dict[str, str]) -> str:
    """The value of a field as BibTeX reads it: enclosing braces or quotes removed, ``@string``
    macros and concatenations resolved. Raises _Malformed for what BibTeX would misread."""
    value = []
    for part in (p.strip() for p in _parts(raw.strip())):
        if _enclosed(part, "{", "}") or _enclosed(part, '"', '"'):
            value.append(part[1:-1])
        elif part.isdigit():
            value.append(part)
        elif MACRO.fullmatch(part) and part.lower() in strings:
            value.append(strings[part.lower()])
        elif MACRO.fullmatch(part) and part.lower() in MONTHS:
            value.append(part)  # jan … dec: predefined by BibTeX, kept as written
        elif MACRO.fullmatch(part):
            raise _Malformed(f"'{part}' is an undefined @string macro (put the value in braces, or define it)")
        else:
            raise _Malformed("more text after the value (a missing comma before the next field?)")
    return "".join(value)


def _too_deep_braces(text: str) -> Optional[int]:
    depth = 0
    for match in re.finditer(r"[{}]", text):
        depth = depth + 1 if match.group() == "{" else max(0, depth - 1)
        if depth > MAX_BRACE_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    return None


def parse_bib(path: Path, text: str) -> tuple[Bibliography, list[Problem]]:
    bib = Bibliography(path)
    problems = []
    lines = sorted({text.count("\n", 0, m.start()) + 1: m.group() for m in HOSTILE.finditer(text)}.items())
    problems += [Problem(bib.name, hostile_message(char), line=line) for line, char in lines[:20]]
    library = bibtexparser.parse_string(text, parse_stack=[])  # raw values: resolved and checked below
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(bib.name, f"duplicate BibTeX key '{block.key}'", line=line))
        else:
            problems.append(Problem(bib.name, "malformed BibTeX entry (check braces, quotes and commas)", line=line))
    for block in library.blocks:
        stray = _stray(block.comment) if isinstance(block, ImplicitComment) else None
        if stray is not None:
            problems.append(Problem(bib.name, "text outside any entry: did an extra '}' end the entry above early?",
                                    line=block.start_line + 1 + stray))
    strings: dict[str, str] = {}
    for string in library.strings:
        try:
            strings[string.key.lower()] = bib_value(str(string.value), strings)
        except _Malformed as e:
            problems.append(Problem(bib.name, str(e), field=f"@string {string.key}", line=string.start_line + 1))
    by_key: dict[str, BibEntry] = {}
    by_doi: dict[str, BibEntry] = {}
    for entry in library.entries:
        line = entry.start_line + 1
        if not entry.key.strip():
            problems.append(Problem(bib.name, "the entry has no key (write @type{key, …})", line=line))
            continue
        deep = _too_deep_braces(entry.raw)
        if deep:  # left out: LaTeX decoding and the RIS export recurse once per level
            problems.append(Problem(bib.name, f"braces nest more than {MAX_BRACE_DEPTH} levels deep", field=entry.key,
                                    line=line + deep - 1))
            continue
        bad = BAD_KEY.search(entry.key)
        if bad:
            problems.append(Problem(bib.name, f"a BibTeX key cannot contain {bad.group()!r}: BibTeX misreads it; use "
                                    "letters, digits and - _ : .", field=entry.key, line=line))
        fields = {}
        for f in entry.fields:
            try:
                fields[f.key.lower()] = bib_value(str(f.value), strings)
            except _Malformed as e:
                problems.append(Problem(bib.name, str(e), field=f"{entry.key}.{f.key.lower()}",
                                        line=line + _line_in(entry.raw, f.key)))
        item = BibEntry(entry.key, line, entry.entry_type, fields, entry.raw.replace("\r\n", "\n"))  # CRLF or not: one entry
        same = by_key.get(entry.key.lower())
        if same is not None and same.key != entry.key:
            problems.append(Problem(bib.name, f"duplicate BibTeX key: BibTeX reads it as '{same.key}' (line {same.line}); "
                                    "keys that differ only in case are the same key", field=entry.key, line=line))
        by_key.setdefault(entry.key.lower(), item)
        if not item.text("year"):  # some sources print no date: listed without a year, but never silently
            problems.append(Problem(bib.name, "the entry has no year; it is listed without one", field=entry.key,
                                    line=line, warning=True, justified=item.text("note") or None))
        doi = (item.text("doi") or "").lower()
        if doi and doi in by_doi:
            first = by_doi[doi]
            problems.append(Problem(bib.name, f"DOI {item.text('doi')} is also the DOI of '{first.key}' (line {first.line}): "
                                    "one publication, one entry", field=entry.key, line=line))
        by_doi.setdefault(doi, item)
        bib.entries[entry.key] = item
    return bib, problems


def _stray(comment: str) -> Optional[int]:
    """The line (from the comment's start) of text between entries that looks like fields or braces,
    not a comment: the sign of an entry closed early. ``%`` lines are BibTeX comments."""
    for number, line in enumerate(comment.split("\n")):
        if not line.lstrip().startswith("%") and re.search(r"[={}]", line):
            return number
    return None


def _line_in(raw: str, key: str) -> int:
    """Lines from the start of an entry to its field ``key`` (0 when not found)."""
    match = re.search(rf"(?im)^\s*{re.escape(key)}\s*=", raw)
    return raw.count("\n", 0, match.start()) if match else 0


def hash_input(hasher: Any, kind: str, name: str, raw: bytes) -> None:
    """Add one input to the content hash: a YAML file with its name (relative to the data folder), the
    bibliography bare. In parts: a concatenation would copy the file. (evidence.incremental hashes
    the inputs again without parsing them, and must get the same hash.)"""
    if kind != "bibliography":
        hasher.update(name.encode() + b"\0")
    hasher.update(raw)
    if kind != "bibliography":
        hasher.update(b"\0")


def read_inputs(data: Path, bib: Optional[Path] = None, lazy: bool = False) -> Inputs:
    """Read and parse every input, collecting problems instead of stopping at the first one.
    ``lazy``: data files are parsed while validation reads them (``parse_yaml``)."""
    bib = bib or default_bib(data)
    digest = hashlib.sha256()
    root = folder(data)
    found = find_inputs(data)  # before any file is opened: nothing outside the data folder is read
    problems: list[Problem] = list(found.problems)

    def read(paths: list[Path], expected: str, lazy: bool = False) -> list[YamlFile]:
        docs = []
        for path in paths:
            try:
                raw = path.read_bytes()
            except OSError as e:
                problems.append(Problem(display(path), f"cannot read ({e.strerror or e})", line=1))
                continue
            hash_input(digest, "yaml", path.relative_to(root).as_posix(), raw)
            text, problem = decode(raw, display(path))
            del raw  # the text is what is parsed: the bytes would double the file in memory
            if problem:
                problems.append(problem)
                continue
            doc, problem = parse_yaml(path, text, expected, lazy)
            docs.append(doc)
            if problem:
                problems.append(problem)
        return docs

    vocabulary = read(found.vocabulary, "a mapping of term ids to their names")
    if not vocabulary:
        problems.append(Problem(display(root / VOCABULARY), "no curated vocabularies found (data/vocabulary/<kind>.yaml "
                                f"for {', '.join(CURATED)})", line=1))
    files = read(found.sources, "a list of sources", lazy)
    guideline = read(found.guideline, "a list of guideline questions")
    bibliography = None
    raw = None
    if bib.is_symlink() and not bib.exists():
        problems.append(Problem(display(bib), f"a dangling symlink or a symlink loop (to {os.readlink(bib)}): "
                                "the bibliography cannot be read", line=1))
    elif not bib.is_file():
        problems.append(Problem(display(bib), "bibliography not found (give --bib, or put references.bib beside the data)", line=1))
    else:
        try:
            raw = bib.read_bytes()
        except OSError as e:
            problems.append(Problem(display(bib), f"cannot read ({e.strerror or e})", line=1))
    if raw is not None:
        hash_input(digest, "bibliography", bib.name, raw)
        text, problem = decode(raw, display(bib))
        if problem:
            problems.append(problem)
        else:
            bibliography, bib_problems = parse_bib(bib, text)
            problems.extend(bib_problems)
    return Inputs(files, bibliography, problems, digest.hexdigest(), vocabulary, guideline, root)
