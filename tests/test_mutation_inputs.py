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
    assert plain("$p$ < 0.05") == "p < 0.05"  # math: the dollars go
    assert plain("  ") is None and plain(None) is None


# --- text -------------------------------------------------------------------------------------------------


def test_a_searcher_finds_its_pattern_and_nothing_else():
    search = text.searcher(r"(?:^|[^0-9A-Za-z])[&*][0-9A-Za-z_\-]")
    assert search("key: &anchor value") and search("*alias")
    assert not search("Smith & Jones, R&D") and not search("")


def scans(monkeypatch, body: str, needle: str, slice_: int) -> tuple[bool, list[str]]:
    """text.found over ``body`` with slices of ``slice_`` characters (4 Mi in use: the loop is the same),
    and the pieces it handed to the search, in order."""
    monkeypatch.setattr(text, "SLICE", slice_)
    seen: list[str] = []

    def search(piece: str) -> bool:
        seen.append(piece)
        return needle in piece

    return text.found(search, body), seen


def test_a_long_non_ascii_text_is_scanned_in_slices_cut_after_a_line_break(monkeypatch):
    body = "".join(f"é{'x' * (n % 5)}\n" for n in range(40))  # lines of 2 to 6 characters
    hit, seen = scans(monkeypatch, body, "never", 8)
    assert hit is False
    assert "".join(seen) == body  # every character scanned once, in order
    for piece in seen[:-1]:
        # each slice is at least SLICE characters and ends at the first line break after them
        assert len(piece) > 8 and piece.endswith("\n") and "\n" not in piece[8:-1]
    assert len(seen) > 5
    assert seen[-1].endswith("\n") and len(seen[-1]) <= 8 + 6


def test_a_slice_search_stops_at_the_first_match_and_reads_the_last_line_without_a_break(monkeypatch):
    body = "é\n" * 20 + "needle"  # no line break at the end
    hit, seen = scans(monkeypatch, body, "needle", 8)
    assert hit is True and seen[-1].endswith("needle") and "".join(seen) == body
    hit, seen = scans(monkeypatch, body, "é\n", 8)
    assert hit is True and seen == [body[:10]]  # found in the first slice: nothing more is read
    # a text with no line break after the first SLICE characters is one slice
    hit, seen = scans(monkeypatch, "é" * 30, "x", 8)
    assert hit is False and seen == ["é" * 30]


def test_a_short_or_ascii_text_is_searched_whole(monkeypatch):
    for body in ("é" * 8, "a\n" * 40):  # exactly SLICE characters; ASCII of any length
        hit, seen = scans(monkeypatch, body, "\n", 8)
        assert seen == [body] and hit is ("\n" in body)
    hit, seen = scans(monkeypatch, "é" * 9 + "\n" + "éZ", "Z", 8)  # SLICE + 3 characters: two slices
    assert hit is True and seen == ["é" * 9 + "\n", "éZ"]


def test_a_bad_byte_is_named_with_its_line_and_value():
    assert text.decode("a\nb\n".encode(), "x.yaml") == ("a\nb\n", None)
    value, problem = text.decode(b"a\nb\n\xff\n", "x.yaml")
    assert value is None and str(problem) == "x.yaml:3: not valid UTF-8 (byte 0xff); save the file as UTF-8"
    assert str(text.decode(b"\xe9", "y.bib")[1]) == "y.bib:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8"


def test_a_path_is_shown_relative_to_the_working_directory_when_inside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert text.display(tmp_path / "data" / "x.yaml") == str(Path("data") / "x.yaml")
    assert text.display(tmp_path.parent / "y.yaml") == str(tmp_path.parent / "y.yaml")

    def other_drive(path):  # what os.path.relpath raises on Windows for a path on another drive
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(text.os.path, "relpath", other_drive)
    assert text.display(Path("D:/data/x.yaml")) == str(Path("D:/data/x.yaml"))


def test_a_refused_character_is_named_by_its_code_point_and_name():
    # names from the Unicode database (unicodedata), or the project's own for the controls it has none for
    assert text.char_name("\u202e") == "U+202E (RIGHT-TO-LEFT OVERRIDE)"
    assert text.char_name("\x00") == "U+0000 (NUL)" and text.char_name("\x1b") == "U+001B (ESCAPE)"
    assert text.char_name("\x01") == "U+0001 (a control character)"
    assert text.hostile_message("\x7f") == ("contains U+007F (DELETE), a control character that can hide or "
                                            "disguise text; remove it")


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


def test_a_key_too_long_for_yaml_is_named_from_1024_characters_on():
    def message(key_length: int) -> str:
        return str(parse_yaml(Path("x.yaml"), "- id: a\n  " + "k" * key_length + "\n  x: y\n")[1])

    assert message(1020) == ("x.yaml:3: invalid YAML: while scanning a simple key could not find expected ':' (at "
                             "line 3, opened at line 2)")  # 1023 characters to where it stopped: not too long
    assert message(1021).endswith("(at line 3, opened at line 2): a key is at most 1024 characters long")


def test_an_unclosed_quote_far_from_its_end_is_not_a_long_key():
    problem = parse_yaml(Path("x.yaml"), "- id: a\n  note: \"" + "x" * 1100 + "\n")[1]
    assert str(problem) == ("x.yaml:2: invalid YAML: while scanning a quoted scalar found unexpected end of stream "
                            "(at line 3, opened at line 2)")


# --- bibtex ---------------------------------------------------------------------------------------------------


GOOD = "@article{a,\n  title = {T},\n  year = {2020},\n}\n"


def test_text_between_entries_is_reported_at_its_own_line():
    stray = GOOD + "\nsome words\n  year = {2021},\n}\n"
    assert problems_of(stray) == ["refs.bib:7: text outside any entry: did an extra '}' end the entry above early?"]


def test_an_indented_percent_comment_between_entries_is_a_comment():
    assert problems_of(GOOD + "\nSee below.\n  % a comment with {braces} = fine\n" + GOOD.replace("{a,", "{b,")) == []


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
    text = "- id: a\n- id: b\n- id: c\n- id: d\n  note: \"one\n- two\"\n- id: e\n"
    items = yaml_fast.LazyItems.of(YamlFile(Path("x.yaml"), text))
    assert list(items) == [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d", "note": "one - two"}, {"id": "e"}]


def test_a_risky_item_is_read_alone_never_the_whole_document():
    """Only the item the fast path cannot vouch for is read by PyYAML: the file is never parsed whole (at 100k
    findings, a tree of gigabytes)."""
    from unittest import mock

    from evidence import yaml_fast

    text = "".join(f"- id: s{n}\n  flag: {'yes' if n == 3 else 'x'}\n" for n in range(6))
    read = []
    real = yaml.load
    with mock.patch.object(yaml_fast.yaml, "load", lambda t, Loader: read.append(t) or real(t, Loader=Loader)):
        items = yaml_fast.load_items(text)
    assert items[3] == {"id": "s3", "flag": True} and [i["id"] for i in items] == [f"s{n}" for n in range(6)]
    assert read == ["- id: s3\n  flag: yes\n"]


def test_the_last_item_of_a_file_without_a_final_line_break_alone_is_pyyaml_s():
    """A block scalar at the very end of a file keeps a line break in yaml_rs and not in PyYAML: that item
    (and only that item) is read by PyYAML; the items before it still come from the fast path."""
    from unittest import mock

    from evidence import yaml_fast

    read = []
    real = yaml.load
    with mock.patch.object(yaml_fast.yaml, "load", lambda t, Loader: read.append(t) or real(t, Loader=Loader)):
        items = yaml_fast.load_items("- a: 1\n- b: |\n    x")
    assert items == [{"a": 1}, {"b": "x"}] and read == ["- b: |\n    x"]


DEEP = 200  # evidence.yaml_fast.MAX_DEPTH, checked below


def test_brackets_nested_deeper_than_the_limit_are_found_on_their_line():
    from evidence.yaml_fast import MAX_DEPTH, too_deep

    assert MAX_DEPTH == DEEP
    assert too_deep("[\n" * (DEEP + 1)) == DEEP + 1  # the bracket that goes one deeper, on its own line
    assert too_deep("\n" + "[" * (DEEP + 1)) == 2  # lines counted from the start of the text
    assert too_deep("[[]" * (DEEP + 1)) == 1  # two in, one out: one deeper each time
    # exactly the limit is allowed, however many brackets the text has
    assert too_deep("[" * DEEP + "]" * DEEP + "[") is None
    # a closed bracket takes the depth back to 0, never below, never stays above
    assert too_deep("[]\n" * (DEEP + 100) + "[" * DEEP) is None
    assert too_deep("]" * 50 + "[" * DEEP + "]" * DEEP) is None
    assert too_deep("]" * 50 + "[" * (DEEP + 1)) == 1


def test_block_collections_nested_deeper_than_the_limit_are_found_on_their_line():
    from evidence.yaml_fast import too_deep

    assert too_deep("\n" + "- " * (DEEP + 1) + "x\n") == 2  # compact: "- - - x" on one line
    assert too_deep("- a\n" + " " * (2 * DEEP) + "x: 1\n") == 2  # indentation of 2 x the limit
    assert too_deep("- a\n\t" + " " * (2 * DEEP - 1) + "x: 1\n") == 2  # a tab counts as indentation too
    assert too_deep("- a\n" + " " * (2 * DEEP - 1) + "x: 1\n" + "- " * (DEEP - 1) + "x\n") is None


def test_a_character_yaml_refuses_is_a_problem_of_the_file():
    doc, problem = parse_yaml(Path("x.yaml"), "- id: a\n  note: x\ufffey\n")
    assert problem.file == "x.yaml" and problem.line == 1 and doc.data is None
    assert str(problem).startswith("x.yaml:1: invalid YAML: unacceptable character #xfffe: ")


def test_a_value_is_joined_at_its_top_level_hashes_only():
    bib, problems = parse_bib(Path("r.bib"), "@article{a,\n  title = {The {RTW} # trial} # { now},\n  year = {2020},\n"
                                              "  note = \"x # y\" # {z},\n}\n")
    entry = bib.entries["a"]
    assert problems == [] and entry.fields["title"] == "The {RTW} # trial now"
    assert entry.text("title") == "The RTW # trial now" and entry.text("note") == "x # yz"
    assert entry.text("journal") is None


def test_yaml_rs_refusing_or_panicking_falls_back_to_pyyaml_but_an_interrupt_stops(monkeypatch):
    from evidence import yaml_fast

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def panics(*args, **kwargs):
        raise PanicException("a Rust panic")

    monkeypatch.setattr(yaml_fast.yaml_rs, "loads", panics)
    assert yaml_fast.load_items("- id: a\n- id: b\n") == [{"id": "a"}, {"id": "b"}]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(yaml_fast.yaml_rs, "loads", interrupted)
    with pytest.raises(KeyboardInterrupt):
        yaml_fast.load_items("- id: a\n- id: b\n")


def bib_entry(*fields: tuple[str, str]) -> tuple[list[str], dict]:
    text = "@article{a,\n" + "".join(f"  {k} = {v},\n" for k, v in fields) + "  year = {2020},\n}\n"
    bib, problems = parse_bib(Path("r.bib"), text)
    entry = bib.entries.get("a")
    return [str(p) for p in problems], {k: entry.fields.get(k) for k, _ in fields} if entry else {}


def test_values_in_braces_or_quotes_keep_what_is_inside_them():
    assert bib_entry(("note", "{}"), ("title", "{{RTW}}"), ("journal", '{say "hi"}'), ("month", "jan"),
                     ("howpublished", '"a {"} b"')) == ([], {"note": "", "title": "{RTW}", "journal": 'say "hi"',
                                                             "month": "jan", "howpublished": 'a {"} b'})
    assert bib_entry(("title", "{a}{b}")) == (
        ["r.bib:2: a.title: more text after the value (a missing comma before the next field?)"], {"title": None})


def test_braces_nested_16_deep_are_read_and_17_are_refused_at_their_line():
    def problems(depth: int) -> list[str]:  # the entry's own brace is the first level
        text = "@article{a,\n  title = " + "{" * (depth - 1) + "\nx" + "}" * (depth - 1) + ",\n  year = {2020},\n}\n"
        return [str(p) for p in parse_bib(Path("r.bib"), text)[1]]

    assert problems(16) == []
    assert problems(17) == ["r.bib:2: a: braces nest more than 16 levels deep"]


def test_deep_braces_after_a_closed_value_are_counted_from_the_entry_s_level():
    text = "@article{a,\n  title = {x},\n  note = " + "{" * 16 + "y" + "}" * 16 + ",\n  year = {2020},\n}\n"
    assert [str(p) for p in parse_bib(Path("r.bib"), text)[1]] == ["r.bib:3: a: braces nest more than 16 levels deep"]


def test_a_hostile_character_in_the_bibliography_is_reported_at_its_line():
    text = "\n@article{a,\n  title = {x\x1by},\n  year = {2020},\n}\n"
    assert [str(p) for p in parse_bib(Path("r.bib"), text)[1]] == [
        "r.bib:3: contains U+001B (ESCAPE), a control character that can hide or disguise text; remove it"]


def test_string_macros_chain_and_a_bad_one_is_named():
    text = ("@string{a = {x}}\n@string{b = a # {y}}\n@string{bad = undefinedmacro}\n"
            "@article{, title = {T}, year = {2020}}\n@article{k,\n  title = b # {a}#{b},\n  year = {2020},\n}\n")
    bib, problems = parse_bib(Path("r.bib"), text)
    assert [str(p) for p in problems] == [
        "r.bib:3: @string bad: 'undefinedmacro' is an undefined @string macro (put the value in braces, or define it)",
        "r.bib:4: the entry has no key (write @type{key, …})"]
    assert bib.entries["k"].fields["title"] == "xyab"  # read after the entry without a key


def test_a_malformed_entry_is_reported_at_its_line():
    text = GOOD + "\n@article{b, title = {unclosed,\n  year = {2020},\n}\n"
    assert problems_of(text) == ["refs.bib:6: malformed BibTeX entry (check braces, quotes and commas)"]


def test_at_most_20_hostile_characters_are_reported():
    text = "".join(f"% note {n}\x1b\n" for n in range(25)) + GOOD
    problems = problems_of(text)
    assert len(problems) == 20 and problems[-1].startswith("refs.bib:20: contains U+001B (ESCAPE)")


# --- discover ---------------------------------------------------------------------------------------------


def test_a_vocabulary_file_in_a_subfolder_is_named_as_not_read(project):
    from evidence.discover import find_inputs

    (project.data / "vocabulary" / "old").mkdir()
    (project.data / "vocabulary" / "old" / "condition.yaml").write_text("{}\n", encoding="utf-8")
    found = find_inputs(Path("data"))
    assert [str(p) for p in found.problems] == [
        "data/vocabulary/old/condition.yaml:1: not read: curated vocabularies are vocabulary/<kind>.yaml, directly in "
        "the vocabulary folder"]
    assert Path("data/vocabulary/old/condition.yaml") not in found.vocabulary + found.sources


def test_a_single_data_file_reads_the_vocabulary_folder_beside_it_unless_a_symlink(project):
    from evidence.discover import find_inputs

    (project.data / "vocabulary" / "extra.yml").write_text("{}\n", encoding="utf-8")
    found = find_inputs(Path("data/studies.yaml"))
    assert found.sources == [Path("data/studies.yaml")] and len(found.vocabulary) > 1
    assert [str(p) for p in found.problems] == [
        "data/vocabulary/extra.yml:1: not read: data files end in .yaml; rename it to extra.yaml"]
    (project.data / "vocabulary").rename(project.root / "vocabulary")
    (project.data / "vocabulary").symlink_to(project.root / "vocabulary")
    linked = find_inputs(Path("data/studies.yaml"))
    assert linked.vocabulary == [] and linked.problems == [] and linked.sources == [Path("data/studies.yaml")]


def test_a_fifo_or_a_file_that_cannot_be_looked_at_is_not_read(project, monkeypatch):
    import os

    from evidence.discover import find_inputs

    os.mkfifo(project.data / "pipe.yaml")
    problems = find_inputs(Path("data")).problems
    assert [(str(p), p.line) for p in problems] == [("data/pipe.yaml:1: not a regular file: not read", 1)]
    (project.data / "pipe.yaml").unlink()
    real = Path.stat

    def stat(path, *, follow_symlinks=True):  # lstat (is_symlink) still works: as a user without read access
        if path.name == "studies.yaml" and follow_symlinks:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(Path, "stat", stat)
    problems = find_inputs(Path("data")).problems
    assert [(str(p), p.line) for p in problems] == [("data/studies.yaml:1: cannot read (Permission denied)", 1)]


# --- parse_yaml, plain lists and chunks ----------------------------------------------------------------------


def test_an_empty_or_too_deep_file_is_a_problem_at_its_line():
    from evidence.yaml_fast import MAX_DEPTH

    empty = parse_yaml(Path("x.yaml"), "")[1]
    assert (str(empty), empty.line) == ("x.yaml:1: the file is empty; expected a list of sources", 1)
    deep = "- id: a\n  x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    problem = parse_yaml(Path("x.yaml"), deep)[1]
    assert (str(problem), problem.line) == (f"x.yaml:2: collections nest more than {MAX_DEPTH} levels deep", 2)


def test_an_alias_without_an_anchor_is_a_yaml_error():
    assert str(parse_yaml(Path("x.yaml"), "- *alias\n")[1]) == "x.yaml:1: invalid YAML: found undefined alias"


def test_a_plain_list_has_only_comments_and_blank_lines_before_its_first_item():
    from evidence.yaml_fast import plain_list

    assert plain_list("# c\n\n- a\n") == [5] and plain_list("  # indented\n- a\n") == [13]
    assert plain_list("x: 1\n- a\n") is None and plain_list("- a\n---\n- b\n") is None and plain_list("a") is None


def test_chunks_hold_items_up_to_the_chunk_size(monkeypatch):
    from evidence import yaml_fast

    monkeypatch.setattr(yaml_fast, "CHUNK", 10)
    assert yaml_fast._chunks([0, 5, 10, 15], 20) == [[(0, 5), (5, 10)], [(10, 15), (15, 20)]]
    assert yaml_fast._chunks([0, 12], 14) == [[(0, 12)], [(12, 14)]]


def test_the_last_item_of_a_file_without_a_final_line_break_reads_as_pyyaml_reads_it():
    from evidence.yaml_fast import load_items

    assert load_items("- a\n- b\n- c: |\n    text") == ["a", "b", {"c": "text"}]  # yaml_rs would keep a line break


def test_display_is_relative_inside_the_working_directory_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert text.display(tmp_path / "data" / "x.yaml") == "data/x.yaml"
    assert text.display(Path("data/x.yaml")) == "data/x.yaml"
    assert text.display(tmp_path.parent / "x.yaml") == str(tmp_path.parent / "x.yaml")


def test_item_starts_after_a_tab_a_carriage_return_a_line_break_or_a_first_blank_line():
    from evidence.yaml_fast import ITEM, item_starts

    for text_ in ("-\tx\n- a", "-\r\n- a", "\n- a\n-\n- b"):
        assert item_starts(text_) == [m.start() for m in ITEM.finditer(text_)], text_
    assert item_starts("\n- a\n-\n- b") == [1, 5, 7]


def test_a_bare_number_is_a_value_and_an_entry_without_a_year_is_a_warning_at_its_line():
    bib, problems = parse_bib(Path("r.bib"), "\n\n@article{a,\n  title = {T},\n  volume = 12,\n}\n")
    assert bib.entries["a"].fields["volume"] == "12"
    assert [(str(p), p.line) for p in problems] == [
        ("r.bib:3: a: warning: the entry has no year; it is listed without one", 3)]
