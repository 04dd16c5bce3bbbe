"""Stage 3 of the build, parse: the inputs the plan names, as the records validation reads.

The plan "everything": every input, each problem collected with its line instead of stopping at the
first (data files parsed lazily, while validation reads them). A partial plan: the vocabularies, the
blocks that changed and the bibliography entries their sources cite (and the removed sources cited).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from ..bibtex import parse_bib
from ..discover import VOCABULARY
from ..inputs import CURATED, Inputs, parse_yaml
from ..yaml_safe import YamlFile
from ..problems import Problem
from ..text import decode, display
from .plan import NotIncremental, Plan
from .read import RawInputs, entry_key, read

EXPECTED = {"vocabulary": "a mapping of term ids to their names", "data": "a list of sources",
            "guideline": "a list of guideline questions"}


def parse(raw: RawInputs, chosen: Plan, lines: bool = False, lazy: bool = True) -> Inputs:
    """The inputs the plan names, parsed. A partial plan: ``lines`` keeps each block on the line it has
    in its file (the rest blanked), for problems; else the blocks are read one after the other, which is
    quicker. NotIncremental when what changed does not parse (the full build reports it)."""
    return everything(raw, lazy) if chosen.full else changed(raw, chosen, lines)


def read_inputs(data: Path, bib: Optional[Path] = None, lazy: bool = False) -> Inputs:
    """Read and parse every input, collecting problems instead of stopping at the first one.
    ``lazy``: data files are parsed while validation reads them (``parse_yaml``)."""
    return everything(read(data, bib), lazy)


def everything(raw: RawInputs, lazy: bool) -> Inputs:
    problems: list[Problem] = list(raw.problems)

    def parse_files(kind: str, lazy: bool = False) -> list[YamlFile]:
        docs = []
        for key in [key for key in raw.files if key[0] == kind]:
            path = raw.paths[key]
            text, problem = decode(raw.release(key), display(path))  # the text is what is parsed: not the bytes too
            if problem:
                problems.append(problem)
                continue
            doc, problem = parse_yaml(path, text, EXPECTED[kind], lazy)
            docs.append(doc)
            if problem:
                problems.append(problem)
        return docs

    vocabulary = parse_files("vocabulary")
    if not vocabulary:
        problems.append(Problem(display(raw.root / VOCABULARY), "no curated vocabularies found (data/vocabulary/<kind>.yaml "
                                f"for {', '.join(CURATED)})", line=1))
    files = parse_files("data", lazy)
    guideline = parse_files("guideline")
    bibliography = None
    if raw.bib is not None:
        text, problem = decode(raw.bib[1], display(raw.bib_path))
        if problem:
            problems.append(problem)
        else:
            bibliography, bib_problems = parse_bib(raw.bib_path, text)
            problems.extend(bib_problems)
    return Inputs(files, bibliography, problems, raw.content_hash, vocabulary, guideline, raw.root)


def blanked(raw: bytes, spans: Iterable[tuple[int, int]]) -> bytes:
    """The file with everything outside ``spans`` replaced by its line breaks: what it parses to is
    what the spans hold, and every problem keeps the line it has in the file."""
    parts, at = [], 0
    for a, b in sorted(spans):
        parts += [b"\n" * raw.count(b"\n", at, a), raw[a:b]]
        at = b
    parts.append(b"\n" * raw.count(b"\n", at))
    return b"".join(parts)


def changed(raw: RawInputs, chosen: Plan, lines: bool) -> Inputs:
    """The inputs a partial validation needs: the vocabularies, the re-read sources and the entries
    they cite."""
    join = blanked if lines else (lambda data, spans: b"".join(data[a:b] for a, b in sorted(spans)))
    by_key = {}
    name, bib = raw.bib
    for span in raw.blocks(("bibliography", name))[0]:
        _, key = entry_key(bib[span[0]:span[1]])
        if key:
            by_key[key] = span
    cited = set(chosen.cited)
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
            doc, _ = parse_yaml(raw.paths[(kind, relative)], data.decode("utf-8"), EXPECTED["vocabulary"])
            vocabulary.append(doc)
    return Inputs(docs, bibliography, problems, raw.content_hash, vocabulary, [], raw.root)
