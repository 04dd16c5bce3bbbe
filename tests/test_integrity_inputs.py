"""Inputs that used to be read as something else, or not read at all, without a word.

Files below data/ that would be skipped (symlinks that dangle, loop or lead out of the folder, folders
that cannot be listed, symlinked folders) are FILE:LINE problems, found before any file is opened;
any duplicated mapping key anywhere is refused (a property test); what BibTeX and YAML accept
legitimately is shown as written.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.build import check
from evidence.cli import cli
from evidence.bibtex import parse_bib
from evidence.inputs import parse_yaml
from evidence.yaml_fast import load_items
from evidence.yaml_safe import Loader
from tests.conftest import BIB, VALID


def errors() -> list[str]:
    return [str(p) for p in check(Path("data"))[1].errors]


def test_a_dangling_symlink_is_a_problem(project):
    os.symlink("gone.yaml", project.data / "more.yaml")
    assert errors() == ["data/more.yaml:1: a dangling symlink (to gone.yaml): the file it names does not exist"]


def test_a_symlink_loop_is_a_problem(project):
    os.symlink("b.yaml", project.data / "a.yaml")
    os.symlink("a.yaml", project.data / "b.yaml")
    assert errors() == ["data/a.yaml:1: a symlink loop (to b.yaml): it never reaches a file",
                        "data/b.yaml:1: a symlink loop (to a.yaml): it never reaches a file"]


def test_a_symlink_out_of_the_data_folder_is_refused_before_it_is_read(project, monkeypatch):
    outside = project.root / "outside.yaml"
    outside.write_text(VALID.replace("smith-2020", "smith-2021"), encoding="utf-8")
    os.symlink(outside, project.data / "leak.yaml")
    os.symlink("/etc/passwd", project.data / "passwd.yaml")
    opened = []
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        opened.append(self.resolve())
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert errors() == [f"data/leak.yaml:1: a symlink to {outside.resolve()}, outside the data folder: not read",
                        "data/passwd.yaml:1: a symlink to /etc/passwd, outside the data folder: not read"]
    assert outside.resolve() not in opened and Path("/etc/passwd") not in opened


def test_a_symlink_inside_the_data_folder_is_read(project):
    (project.data / "real").mkdir()
    (project.data / "studies.yaml").rename(project.data / "real" / "studies.yaml")
    os.symlink("real/studies.yaml", project.data / "linked.yaml")
    _, report, _ = check(Path("data"))
    assert any(p.message.startswith("duplicate id") for p in report.errors)  # read twice: once through the link


def test_a_symlinked_folder_is_not_followed(project):
    os.symlink(project.data, project.data / "loop")
    assert errors() == ["data/loop:1: a symlink to a folder: not followed; move the folder into the data folder instead"]


def test_a_folder_that_cannot_be_listed_is_a_problem(project, monkeypatch):
    hidden = project.data / "hidden"
    hidden.mkdir()
    (hidden / "more.yaml").write_text(VALID.replace("smith-2020", "smith-2021"), encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # root reads every folder, so the permission error is simulated
        if Path(path).resolve() == hidden.resolve():
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert errors() == ["data/hidden:1: cannot list this folder (Permission denied): the files in it were not read"]


def test_a_fifo_is_not_read(project):
    os.mkfifo(project.data / "pipe.yaml")  # reading it would block the build for good
    assert errors() == ["data/pipe.yaml:1: not a regular file: not read"]


def test_an_editor_lock_symlink_is_ignored(project):
    os.symlink("user@host.1234", project.data / ".#studies.yaml")  # emacs, while the file is edited
    assert errors() == []


def test_a_dangling_bibliography_symlink(project):
    (project.data / "references.bib").unlink()
    os.symlink("elsewhere.bib", project.data / "references.bib")
    assert errors()[0] == ("data/references.bib:1: a dangling symlink or a symlink loop (to elsewhere.bib): "
                           "the bibliography cannot be read")


def test_yml_files_are_refused_with_the_name_to_use(project):
    (project.data / "vocabulary" / "extra.yml").write_text("x: {name: x, name_nl: x}\n", encoding="utf-8")
    project.write("guideline.yml", "[]\n")
    assert errors() == ["data/guideline.yml:1: not read: data files end in .yaml; rename it to guideline.yaml",
                        "data/vocabulary/extra.yml:1: not read: data files end in .yaml; rename it to extra.yaml"]


# --- duplicate keys: anywhere, at any depth -------------------------------------------------------

keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda k: yaml.safe_load(f"{k}: 1") == {k: 1})  # not yes, no, on, off, null, …: read as themselves
scalars = st.one_of(st.integers(), st.text(string.ascii_letters + " ", max_size=10), st.booleans())
trees = st.recursive(scalars, lambda inner: st.lists(inner, min_size=1, max_size=3)
                     | st.dictionaries(keys, inner, min_size=1, max_size=3), max_leaves=10)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(keys, trees, min_size=1, max_size=4), min_size=1, max_size=3), st.data())
def test_any_duplicated_mapping_key_is_refused(records, data):
    text = yaml.safe_dump(records, default_flow_style=False, sort_keys=False)
    assert load_items(text) == records  # without a duplicate: read as written
    mappings = list(_locate(records))
    path, mapping = data.draw(st.sampled_from(mappings))
    key = data.draw(st.sampled_from(sorted(mapping)))
    duplicated = _insert_duplicate(records, path, key)
    doc, problem = parse_yaml(Path("x.yaml"), duplicated)
    assert problem is not None and problem.field == key and problem.message.startswith("duplicate key (also at line ")
    assert doc.data is None
    assert duplicated.splitlines()[problem.line - 1].strip().lstrip("- ").startswith(f"{key}:")


def _locate(value, path=()):
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from _locate(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _locate(v, (*path, i))


def _insert_duplicate(records, path, key) -> str:
    """The YAML of ``records`` with ``key`` written a second time in the mapping at ``path``."""
    marker = "zzzduplicatezzz"
    copy = yaml.safe_load(yaml.safe_dump(records))
    target = copy
    for step in path:
        target = target[step]
    target[marker] = "again"
    text = yaml.safe_dump(copy, default_flow_style=False, sort_keys=False)
    assert text.count(f"{marker}:") == 1
    return text.replace(f"{marker}:", f"{key}:")


def test_duplicate_keys_are_refused_in_flow_style_and_in_every_input(project):
    doc, problem = parse_yaml(Path("x.yaml"), "- {id: a, id: b}\n")
    assert str(problem) == "x.yaml:1: id: duplicate key (also at line 1): YAML would keep only the last value; remove or rename one"
    # keys YAML reads as equal are duplicates too: 1 and 0x1
    doc, problem = parse_yaml(Path("x.yaml"), "- 1: a\n  0x1: b\n")
    assert problem is not None and problem.line == 2


def test_the_duplicate_check_is_the_loader_the_build_uses():
    assert yaml.load("a: 1\nb: 2\n", Loader=Loader) == {"a": 1, "b": 2}
    with pytest.raises(yaml.constructor.ConstructorError, match="found duplicate key 'a'"):
        yaml.load("a: 1\na: 2\n", Loader=Loader)


# --- hostile text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("char, name", [("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"), ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
                                        ("\u200f", "U+200F (RIGHT-TO-LEFT MARK)"), ("\x07", "U+0007 (a control character)"),
                                        ("\x1b", "U+001B (ESCAPE)"), ("\x00", "U+0000 (NUL)"), ("\x9b", "U+009B (a control character)")])
def test_hostile_characters_are_refused_in_yaml_and_bibtex(char, name):
    escaped = f'- note: "a\\u{ord(char):04x}b"\n'
    _, problem = parse_yaml(Path("x.yaml"), escaped)
    assert str(problem) == f"x.yaml:1: note: contains {name}, a control character that can hide or disguise text; remove it"
    _, problems = parse_bib(Path("r.bib"), BIB.replace("A trial", f"A{char} trial"))
    assert [str(p) for p in problems] == [
        f"r.bib:3: contains {name}, a control character that can hide or disguise text; remove it"]


def test_a_hostile_character_in_a_key_and_on_a_later_line_of_a_block_scalar():
    _, problem = parse_yaml(Path("x.yaml"), "- id: a\n  note: |\n    fine\n    not \u202efine\n")
    assert problem.line == 4 and problem.field == "note"
    _, problem = parse_yaml(Path("x.yaml"), "- id: a\n  \u202ekey: x\n")
    assert problem.line == 1 and problem.message.startswith("a field name contains U+202E")


def test_tabs_newlines_and_crlf_files_are_text():
    doc, problem = parse_yaml(Path("x.yaml"), '- note: "a\\tb"\r\n  more: "c\\nd"\r\n')
    assert problem is None and doc.data == [{"note": "a\tb", "more": "c\nd"}]


# --- BibTeX that is legitimate is read as written ------------------------------------------------------


def test_defined_macros_months_and_concatenation_are_resolved():
    bib, problems = parse_bib(Path("r.bib"), '@string{jow = "Journal of Work"}\n' + BIB.replace(
        "journal = {Journal of Work}", "journal = jow # { (special issue)},\n  month = jul"))
    assert problems == []
    entry = bib.entries["smith2020"]
    assert entry.text("journal") == "Journal of Work (special issue)" and entry.text("month") == "jul"
    assert entry.fields["author"] == "Smith, Jane and Jones, Bob"  # inner braces kept for name parsing


def test_an_entry_without_a_year_is_shown_without_one_and_said_so(project):
    project.write("references.bib", BIB.replace("  year = {2020},\n", "  note = {date not printed},\n"))
    result = CliRunner().invoke(cli, ["validate", "--strict"])
    assert result.exit_code == 0, result.output
    assert ("data/references.bib:1: smith2020: warning: the entry has no year; it is listed without one "
            "[justified: date not printed]") in result.stderr


def test_the_stray_text_check_ignores_percent_comments():
    _, problems = parse_bib(Path("r.bib"), "% a comment with {braces} and = signs\n" + BIB)
    assert problems == []
