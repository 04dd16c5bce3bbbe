"""Reading the inputs: curated YAML files and the BibTeX bibliography.

The fast path parses with libyaml (``yaml.CSafeLoader``) straight to Python objects. Line numbers
are worked out only when there is a problem to report, by composing the file's node tree once
(``YamlFile.line_of``). The safe loader never constructs Python objects from tags such as
``!!python/object``; anchors and aliases are refused so that an alias bomb cannot expand.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import bibtexparser
import yaml
from bibtexparser.model import DuplicateBlockKeyBlock

from .problems import EvidenceError, Problem
from .vocabulary import CURATED

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


VOCABULARY = "vocabulary"  # the folder of curated vocabularies inside the data folder
GUIDELINE = "guideline.yaml"  # the guideline's questions, recommendations and considerations


def folder(data: Path) -> Path:
    """The data folder: ``data`` itself, or the folder of a single data file."""
    return data if data.is_dir() else data.parent


def yaml_paths(data: Path) -> list[Path]:
    """The source files to load: the file itself, or every *.yaml below a folder, in a stable order
    (the curated vocabularies and the guideline file are read as what they are, not as sources)."""
    if data.is_dir():
        return sorted(p for p in data.rglob("*.yaml") if p.is_file() and not _special(data, p))
    if data.is_file():
        return [data]
    raise EvidenceError(f"{display(data)}: no such file or directory")


def _special(data: Path, path: Path) -> bool:
    relative = path.relative_to(data)
    return relative.parts[0] == VOCABULARY or relative.as_posix() == GUIDELINE


def vocabulary_paths(data: Path) -> list[Path]:
    """data/vocabulary/<kind>.yaml, one file per curated vocabulary."""
    return sorted((folder(data) / VOCABULARY).glob("*.yaml"))


def guideline_paths(data: Path) -> list[Path]:
    path = folder(data) / GUIDELINE
    return [path] if path.is_file() else []


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


def too_deep(text: str) -> Optional[int]:
    """The line where collections nest deeper than MAX_DEPTH, or None. Cheap: three regex scans.

    Brackets inside quoted strings count too; that can only overestimate, never let a bomb through.
    """
    depth = 0
    for match in FLOW.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    for pattern in (COMPACT, INDENT):
        match = pattern.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def parse_yaml(path: Path, text: str, expected: str = "a list of sources") -> tuple[YamlFile, Optional[Problem]]:
    doc = YamlFile(path, text)
    deep = too_deep(text)
    if deep:
        return doc, Problem(doc.name, f"collections nest more than {MAX_DEPTH} levels deep", line=deep)
    if "&" in text:  # only a file with an anchor can hold aliases; checking costs a parse, so only then
        problem = _refuse_anchors(doc)
        if problem:
            return doc, problem
    try:
        doc.data = load_items(text)
    except yaml.MarkedYAMLError as e:
        return doc, Problem(doc.name, f"invalid YAML: {_yaml_message(e)}", line=_yaml_line(e))
    except yaml.YAMLError as e:
        return doc, Problem(doc.name, f"invalid YAML: {e}", line=1)
    if doc.data is None:
        return doc, Problem(doc.name, f"the file is empty; expected {expected}", line=1)
    return doc, None


ITEM = re.compile(r"^-(?=[ \t\r\n]|$)", re.M)  # a top-level sequence item starts at column 0
UNUSUAL = re.compile(r"^(?:---|\.\.\.|%)", re.M)  # document markers and directives: parse whole


class _WholeDocument(Exception):
    """The text is not a plain top-level list, or an item did not parse on its own."""


def load_items(text: str) -> Any:
    """Parse a top-level list one item at a time, so libyaml's node tree (several times the size of
    the data) never exists for the whole file at once: at 100k findings that is gigabytes.

    Anything else, or any item that fails alone (a split inside a quoted scalar always does), is
    parsed as one document, which gives the same result and the precise error.
    """
    starts = [m.start() for m in ITEM.finditer(text)]
    try:
        if not starts or UNUSUAL.search(text) or _has_content(text[: starts[0]]):
            raise _WholeDocument
        items = []
        for start, end in zip(starts, [*starts[1:], len(text)]):
            part = yaml.load(text[start:end], Loader=yaml.CSafeLoader)
            if not isinstance(part, list) or len(part) != 1:
                raise _WholeDocument
            items.append(part[0])
        return items
    except (_WholeDocument, yaml.YAMLError):
        return yaml.load(text, Loader=yaml.CSafeLoader)


def _has_content(head: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in head.splitlines())


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


def parse_bib(path: Path, text: str) -> tuple[Bibliography, list[Problem]]:
    bib = Bibliography(path)
    library = bibtexparser.parse_string(text)
    problems = []
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(bib.name, f"duplicate BibTeX key '{block.key}'", line=line))
        else:
            problems.append(Problem(bib.name, "malformed BibTeX entry (check braces, quotes and commas)", line=line))
    for entry in library.entries:
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        bib.entries[entry.key] = BibEntry(entry.key, entry.start_line + 1, entry.entry_type, fields, entry.raw)
    return bib, problems


def read_inputs(data: Path, bib: Optional[Path] = None) -> Inputs:
    """Read and parse every input, collecting problems instead of stopping at the first one."""
    bib = bib or default_bib(data)
    digest = hashlib.sha256()
    problems: list[Problem] = []
    root = folder(data)

    def read(paths: list[Path], expected: str) -> list[YamlFile]:
        docs = []
        for path in paths:
            raw = path.read_bytes()
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + raw + b"\0")
            text, problem = decode(raw, display(path))
            if problem:
                problems.append(problem)
                continue
            doc, problem = parse_yaml(path, text, expected)
            docs.append(doc)
            if problem:
                problems.append(problem)
        return docs

    vocabulary = read(vocabulary_paths(data), "a mapping of term ids to their names")
    if not vocabulary:
        problems.append(Problem(display(root / VOCABULARY), "no curated vocabularies found (data/vocabulary/<kind>.yaml "
                                f"for {', '.join(CURATED)})", line=1))
    files = read(yaml_paths(data), "a list of sources")
    guideline = read(guideline_paths(data), "a list of guideline questions") if data.is_dir() else []
    bibliography = None
    if not bib.is_file():
        problems.append(Problem(display(bib), "bibliography not found (give --bib, or put references.bib beside the data)", line=1))
    else:
        raw = bib.read_bytes()
        digest.update(raw)
        text, problem = decode(raw, display(bib))
        if problem:
            problems.append(problem)
        else:
            bibliography, bib_problems = parse_bib(bib, text)
            problems.extend(bib_problems)
    return Inputs(files, bibliography, problems, digest.hexdigest(), vocabulary, guideline)
