"""Reading inputs: syntax errors with their line, encodings, refused YAML features, BibTeX failures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evidence.build import check
from evidence.discover import yaml_paths
from evidence.pipeline.parse import read_inputs
from evidence.yaml_safe import YamlFile
from evidence.problems import EvidenceError


def problems() -> list[str]:
    return [str(p) for p in check(Path("data"))[1].problems if not p.warning]


def test_directory_loads_every_yaml_file_recursively_in_order(project):
    project.write("b/second.yaml", "[]\n")
    project.write("a.yaml", "[]\n")
    names = [p.relative_to(project.data).as_posix() for p in yaml_paths(project.data)]
    assert names == ["a.yaml", "b/second.yaml", "studies.yaml"]


def test_single_file_and_bib_beside_it(project):
    inputs = read_inputs(project.data / "studies.yaml")
    assert len(inputs.yaml_files) == 1 and "smith2020" in inputs.bibliography.entries


def test_missing_data_path_is_a_clear_error(project):
    with pytest.raises(EvidenceError, match="nowhere: no such file or directory"):
        read_inputs(Path("nowhere"))


def test_line_of_finds_keys_and_items():
    doc = YamlFile(Path("x.yaml"), "- id: a\n  findings:\n    - id: f1\n      outcome: x\n")
    assert doc.line_of((0, "findings", 0, "outcome")) == 4
    assert doc.line_of((0, "findings", 0, "missing")) == 3
    assert doc.line_of((0,)) == 1


def test_yaml_syntax_error_has_its_line(project):
    project.write("studies.yaml", "- id: a\n  title: 'unclosed\n  design: rct\n")
    assert problems() == [
        "data/studies.yaml:2: invalid YAML: while scanning a quoted scalar found unexpected end of stream "
        "(at line 4, opened at line 2)"
    ]


def test_tab_indentation(project):
    project.write("studies.yaml", "- id: a\n\tdesign: rct\n")
    [message] = problems()
    assert message.startswith("data/studies.yaml:2: invalid YAML:") and "tab" in message


def test_empty_file(project):
    project.write("studies.yaml", "")
    assert problems() == ["data/studies.yaml:1: the file is empty; expected a list of sources"]


def test_wrong_top_level_type(project):
    project.write("studies.yaml", "id: smith-2020\ndesign: rct\n")
    assert problems() == ["data/studies.yaml:1: the top level must be a list of sources, not a dict"]


def test_non_utf8_bytes_give_the_line(project):
    project.write("studies.yaml", b"- id: a\n  note: caf\xe9\n")
    assert problems() == ["data/studies.yaml:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_alias_bomb_is_refused_before_expansion(project):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    project.write("studies.yaml", bomb)
    assert problems() == [
        "data/studies.yaml:1: YAML anchors and aliases are not allowed in curated data; write the values out"
    ]


@pytest.mark.parametrize("value, message", [
    ("2024-13-45", "'2024-13-45' is not a valid date (month must be in 1..12)"),
    ("2024-02-30", "'2024-02-30' is not a valid date (day is out of range for month)"),
    ("0b_", "'0b_' is not a valid number (invalid literal for int() with base 2: '')"),
])
def test_a_value_yaml_reads_as_an_impossible_date_or_number_is_a_problem_with_its_line(project, value, message):
    """PyYAML's constructors raised a bare ValueError for these: a traceback without a line."""
    project.write("studies.yaml", f"- id: a\n  searched: {value}\n")
    assert problems() == [f"data/studies.yaml:2: invalid YAML: {message}; quote it to keep it as text"]


def test_python_object_tag_never_executes(project, tmp_path):
    marker = tmp_path / "pwned"
    project.write("studies.yaml", f"- !!python/object/apply:os.system ['touch {marker}']\n")
    [message] = problems()
    assert message.startswith("data/studies.yaml:1: invalid YAML:") and "python/object" in message
    assert not marker.exists()


def test_malformed_bibtex_entry(project):
    project.write("references.bib", "@article{broken,\n  title = {Unclosed\n\n" + (project.data / "references.bib").read_text())
    assert "data/references.bib:1: malformed BibTeX entry (check braces, quotes and commas)" in problems()


def test_duplicate_bibtex_key(project):
    bib = (project.data / "references.bib").read_text()
    project.write("references.bib", bib + "\n" + bib)
    assert problems() == ["data/references.bib:10: duplicate BibTeX key 'smith2020'"]


def test_missing_bibliography(project):
    (project.data / "references.bib").unlink()
    assert problems()[0] == (
        "data/references.bib:1: bibliography not found (give --bib, or put references.bib beside the data)"
    )


@pytest.mark.parametrize("text", [
    "- id: a\n  x: 1\n- id: b\n",
    "# comment\n\n- id: a\n  note: |\n    block\n    - not an item\n- id: b\n",
    '- id: x\n  note: "some text\n- continues here"\n- id: y\n',  # a quoted scalar may go on at column 0
    "- id: a\n  note: 'a\n- b'\n",
    "---\n- id: a\n...\n",
    "- [a, b]\n- - nested\n  - list\n-\n  id: c\n",
    "key: value\n",
    "- a\n- b: [1, 2]\n  c: {d: e}\n",
])
def test_items_parse_as_the_whole_document_does(text):
    from evidence.yaml_fast import load_items

    assert load_items(text) == yaml.load(text, Loader=yaml.CSafeLoader)


# --- data files parsed while validation reads them (LazyItems) --------------------------------------------


def lazy_and_eager(text: str):
    """What LazyItems gives (its items, or the problem it raises) beside what the eager parse gives."""
    from evidence.inputs import parse_yaml
    from evidence.yaml_fast import LazyItems, Unparsable

    eager, eager_problem = parse_yaml(Path("data/x.yaml"), text)
    lazy, lazy_problem = parse_yaml(Path("data/x.yaml"), text, lazy=True)
    assert isinstance(lazy.data, LazyItems) and lazy_problem is None
    try:
        items, raised = list(lazy.data), None
    except Unparsable as e:
        items, raised = None, e.problem
    return (eager.data, eager_problem), (items, raised)


def test_lazy_items_are_the_eager_items_chunk_after_chunk(monkeypatch):
    import evidence.yaml_fast as inputs

    monkeypatch.setattr(inputs, "CHUNK", 40)  # many chunks, so items cross chunk boundaries
    text = "".join(f"- id: s{i}\n  note: yes\n  n: {i}\n  when: 2024-01-0{1 + i % 9}\n" for i in range(30))
    (eager, _), (lazy, raised) = lazy_and_eager(text)
    assert raised is None and lazy == eager and len(eager) == 30 and eager[0]["note"] is True


def test_a_late_parse_error_is_the_problem_the_eager_parse_reports(monkeypatch):
    import evidence.yaml_fast as inputs

    monkeypatch.setattr(inputs, "CHUNK", 40)
    text = "".join(f"- id: s{i}\n  design: rct\n" for i in range(10)) + "- id: bad\n  title: 'unclosed\n"
    (eager, problem), (lazy, raised) = lazy_and_eager(text)
    assert eager is None and lazy is None and str(raised) == str(problem) and problem.line == 22


def test_a_split_inside_a_quoted_scalar_gives_the_whole_document_items(monkeypatch):
    """A line that looks like an item inside a quoted scalar: the chunk fails, the whole document is read."""
    import evidence.yaml_fast as inputs

    monkeypatch.setattr(inputs, "CHUNK", 10)
    text = '- id: a\n  note: "one\n- two"\n- id: b\n'
    (eager, problem), (lazy, raised) = lazy_and_eager(text)
    assert problem is None and raised is None and lazy == eager == [{"id": "a", "note": "one - two"}, {"id": "b"}]


def test_a_build_reports_a_late_parse_error_with_its_line(project):
    """The records before it are checked too; the file's parse problem keeps its line."""
    project.write("studies.yaml", "- id: a\n  design: rct\n" + "- id: b\n  title: 'unclosed\n")
    assert "data/studies.yaml:4: invalid YAML: while scanning a quoted scalar found unexpected end of stream " \
           "(at line 5, opened at line 4)" in problems()
