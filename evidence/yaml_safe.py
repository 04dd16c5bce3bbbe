"""YAML as PyYAML's safe loader reads it, with line marks: the file and the line of any key path
(composed only when a problem is reported), the loader that refuses duplicate keys and ``!!binary``,
parse errors as problems with their line, and the refusals that need the parsed file (anchors and
aliases, hostile characters in keys and values). The safe loader never constructs Python objects from
tags such as ``!!python/object``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from .problems import Problem
from .text import HOSTILE, HOSTILE_VALUE, display, hostile_message, searcher

# An anchor (&name) or alias (*name) as libyaml scans one: at the start of a token, so never right after a
# letter or digit, and named by at least one of [0-9A-Za-z_-]. "Smith & Jones" and "R&D" are neither, so
# they no longer cost the whole-file event parse of refuse_anchors, which finds nothing in them.
HAS_ANCHOR = searcher(r"(?:^|[^0-9A-Za-z])[&*][0-9A-Za-z_\-]")


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


def yaml_problem(doc: YamlFile, e: yaml.YAMLError) -> Problem:
    """The problem a parse error is reported as, with its line."""
    if isinstance(e, DuplicateKey):
        return Problem(doc.name, f"duplicate key (also at line {e.context_mark.line + 1}): YAML would keep only "
                       "the last value; remove or rename one", field=str(e.key), line=e.problem_mark.line + 1)
    if isinstance(e, yaml.MarkedYAMLError):
        return Problem(doc.name, f"invalid YAML: {_yaml_message(e)}", line=_yaml_line(e))
    return Problem(doc.name, f"invalid YAML: {e}", line=1)



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


def refuse_anchors(doc: YamlFile) -> Optional[Problem]:
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

def hostile_text(doc: YamlFile) -> Optional[Problem]:
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
