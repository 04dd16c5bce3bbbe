"""Faults planted in the reading of the inputs (evidence/text.py, yaml_safe.py, yaml_fast.py, bibtex.py, latex.py,
discover.py, inputs.py) that their other tests let through (bench/mutation.py, group inputs): the line a
problem names, the text a BibTeX value reads as, and what the guards built at import time decide."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from evidence import text, yaml_safe
from evidence.bibtex import parse_bib
from evidence.inputs import parse_yaml
from evidence.latex import plain
from evidence.yaml_safe import YamlFile


def problems_of(bib: str) -> list[str]:
    return [str(p) for p in parse_bib(Path("refs.bib"), bib)[1]]


# --- latex ----------------------------------------------------------------------------------------------


def test_plain_text_is_kept_as_written_and_latex_is_decoded():
    assert plain("50% of workers  returned") == "50% of workers returned"  # LaTeX would read % as a comment
    assert plain("von B\\\"ulow") == "von Bülow"
    assert plain("J.~Smith") == "J. Smith"
    assert plain("$\\alpha$-blockers") == "α-blockers"
    assert plain("{A}rthritis") == "Arthritis"
    assert plain("  ") is None and plain(None) is None


# --- text -------------------------------------------------------------------------------------------------


def test_a_searcher_finds_its_pattern_and_nothing_else():
    search = text.searcher(r"(?:^|[^0-9A-Za-z])[&*][0-9A-Za-z_\-]")
    assert search("key: &anchor value") and search("*alias")
    assert not search("Smith & Jones, R&D") and not search("")


# --- yaml_safe ------------------------------------------------------------------------------------------------


DOC = "- id: a\n  list:\n    - one\n    - two\n- id: b\n"


def test_the_line_of_a_key_path_is_its_deepest_existing_node():
    doc = YamlFile(Path("x.yaml"), DOC)
    assert [doc.line_of(path) for path in [(), (0,), (0, "list"), (0, "list", 1), (1, "id")]] == [1, 1, 2, 4, 5]
    # past the end of a list, a key a mapping lacks, an index into a scalar, a name into a list: the line reached
    assert [doc.line_of(path) for path in [(0, "list", 2), (2,), (0, "nope"), (0, "id", 0), ("x",)]] == [2, 1, 1, 1, 1]
    assert YamlFile(Path("e.yaml"), "").line_of((0, "id")) == 1
    assert YamlFile(Path("b.yaml"), "\n\n- a\n").line_of(()) == 3


def test_the_node_of_a_key_path_is_its_deepest_existing_node():
    doc = YamlFile(Path("x.yaml"), DOC)
    assert doc.node_of((0, "list", 1)).value == "two"
    assert doc.node_of((0, "list", 2)).start_mark.line == 2  # the list: there is no third item
    assert isinstance(doc.node_of((0, "nope")), yaml.MappingNode)
    assert doc.node_of((0, "id", 0)).value == "a"  # a scalar has no items
    assert isinstance(doc.node_of(("x",)), yaml.SequenceNode)


def test_a_bad_date_or_number_is_a_marked_error_with_its_line():
    class Fresh(yaml_safe.Loader):
        pass

    Fresh.add_constructor("tag:yaml.org,2002:timestamp",
                          yaml_safe._marked(yaml.constructor.SafeConstructor.construct_yaml_timestamp, "date"))
    assert yaml.load("- 2024-03-01\n", Loader=Fresh) == [datetime.date(2024, 3, 1)]
    with pytest.raises(yaml.constructor.ConstructorError) as error:
        yaml.load("- a\n- 2024-13-45\n", Loader=Fresh)
    assert error.value.problem == ("'2024-13-45' is not a valid date (month must be in 1..12); quote it to keep it "
                                   "as text")
    assert error.value.problem_mark.line == 1 and error.value.context is None and error.value.context_mark is None


def test_a_hostile_character_is_reported_at_the_line_it_is_written_on():
    raw = "\n- id: a\n  note: raw\u202ehere\n"
    doc, problem = parse_yaml(Path("x.yaml"), raw)
    assert str(problem) == "x.yaml:3: note: contains U+202E (RIGHT-TO-LEFT OVERRIDE), a control character that can " \
                           "hide or disguise text; remove it"
    escaped_then_raw = "- id: a\n  note: \"bad \\e here\"\n- id: b\n  note: raw\u202ehere\n"
    assert parse_yaml(Path("x.yaml"), escaped_then_raw)[1].line == 2  # the first, escaped: its own line
    top = parse_yaml(Path("x.yaml"), "- raw\u202e\n")[1]
    assert str(top).startswith("x.yaml:1: contains U+202E")  # no field to name


# --- bibtex ---------------------------------------------------------------------------------------------------


GOOD = "@article{a,\n  title = {T},\n  year = {2020},\n}\n"


def test_text_between_entries_is_reported_at_its_own_line():
    stray = GOOD + "\nsome words\n  year = {2021},\n}\n"
    assert problems_of(stray) == ["refs.bib:7: text outside any entry: did an extra '}' end the entry above early?"]


def test_an_indented_percent_comment_between_entries_is_a_comment():
    assert problems_of(GOOD + "\n  % a comment with {braces} = fine\n" + GOOD.replace("{a,", "{b,")) == []


def test_a_bad_field_on_the_entry_s_first_line_is_reported_there():
    assert problems_of("\n@article{a, year = {2020}, title = undefinedmacro,\n}\n") == [
        "refs.bib:2: a.title: 'undefinedmacro' is an undefined @string macro (put the value in braces, or define it)"]
    assert problems_of("\n@article{a,\n  year = {2020},\n  title = undefinedmacro,\n}\n") == [
        "refs.bib:4: a.title: 'undefinedmacro' is an undefined @string macro (put the value in braces, or define it)"]


# --- yaml_fast ---------------------------------------------------------------------------------------------


def test_a_split_inside_a_quoted_scalar_gives_every_item_once(monkeypatch):
    """A large file is parsed a chunk of items at a time; a line that starts like an item inside a quoted
    scalar splits an item in two, so that chunk does not parse alone: the items not yet given come from
    the whole document, each once and in order."""
    from evidence import yaml_fast

    monkeypatch.setattr(yaml_fast, "CHUNK", 1)  # every item a chunk of its own, as in a file of many megabytes
    text = "- id: a\n- id: b\n- id: c\n  note: \"one\n- two\"\n- id: d\n"
    items = yaml_fast.LazyItems.of(YamlFile(Path("x.yaml"), text))
    assert list(items) == [{"id": "a"}, {"id": "b"}, {"id": "c", "note": "one - two"}, {"id": "d"}]
