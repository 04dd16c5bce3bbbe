"""The inputs of a build, parsed: the curated kinds, the set of parsed files (``Inputs``) and the one
entry point that parses a YAML file (``parse_yaml``): the guards first (nesting, anchors, hostile
characters), then the fast path (evidence.yaml_fast), every problem with its line (evidence.yaml_safe)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from .bibtex import Bibliography
from .problems import Problem
from .text import ESCAPE, HAS_HOSTILE, found
from .yaml_fast import MAX_DEPTH, LazyItems, load_items, too_deep
from .yaml_safe import HAS_ANCHOR, YamlFile, hostile_text, refuse_anchors, yaml_problem

CURATED = ("condition", "document", "intervention_type", "outcome")  # in data/vocabulary/<kind>.yaml


@dataclass
class Inputs:
    yaml_files: list[YamlFile]
    bibliography: Optional[Bibliography]
    problems: list[Problem]
    content_hash: str
    vocabulary_files: list[YamlFile] = field(default_factory=list)  # data/vocabulary/<kind>.yaml
    guideline_files: list[YamlFile] = field(default_factory=list)  # data/guideline.yaml
    root: Optional[Path] = None  # the data folder (the source documents are found beside the repository)



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
        problem = refuse_anchors(doc)
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
        problem = hostile_text(doc)
        if problem:
            doc.data = None
            return doc, problem
    return doc, None
