"""Finding the inputs below the data folder, without opening any file: the sources, the curated
vocabularies and the guideline; and, as problems, the files that would silently not be read (``*.yml``,
dangling symlinks, symlink loops, symlinks out of the folder, folders that cannot be listed)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .problems import EvidenceError, Problem
from .text import display

VOCABULARY = "vocabulary"  # the folder of curated vocabularies inside the data folder
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
