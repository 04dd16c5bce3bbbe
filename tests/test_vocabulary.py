"""The vocabulary: validated like the data (FILE:LINE, exit 1, no traceback), the home of each term's meaning."""

from __future__ import annotations

from click.testing import CliRunner

from evidence.cli import cli
from evidence.grade import LEVELS, SYMBOLS
from evidence.vocabulary import scales
from tests.conftest import line_of


def validate() -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate"])
    assert "Traceback" not in result.output
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith("data/")]


def test_certainty_constants_derive_from_the_vocabulary():
    assert LEVELS == ("very_low", "low", "moderate", "high")  # least certain first, by rank
    assert scales().ranked("certainty") == ["high", "moderate", "low", "very_low"]
    assert SYMBOLS["moderate"] == "⊕⊕⊕◯"  # GRADE's symbols (../shared/grade-rules.md)


def test_a_term_without_its_dutch_name_is_a_file_line_error(project):
    text = project.edit("  name_nl: kanker\n", "", "vocabulary/condition.yaml")
    code, lines = validate()
    assert code == 1 and lines == [
        f"data/vocabulary/condition.yaml:{line_of(text, 'cancer:')}: condition.cancer.name_nl: required attribute is missing"]


def test_an_unknown_attribute_is_named_with_a_suggestion(project):
    text = project.edit("  name_nl: kanker\n", "  name_nl: kanker\n  colur: '#000000'\n", "vocabulary/condition.yaml")
    code, lines = validate()
    assert code == 1 and lines == [f"data/vocabulary/condition.yaml:{line_of(text, 'colur')}: condition.cancer.colur: "
                                   "unknown attribute (did you mean 'colour'?)"]


def test_a_parent_must_be_a_term_of_the_same_kind_and_not_a_cycle(project):
    text = project.edit("  name_nl: kanker\n", "  name_nl: kanker\n  parent: nonsense\n", "vocabulary/condition.yaml")
    code, lines = validate()
    assert code == 1 and lines == [
        f"data/vocabulary/condition.yaml:{line_of(text, 'parent: nonsense')}: condition.cancer.parent: parent 'nonsense' is not a condition"]


def test_a_cycle_of_parents_is_refused(project):
    path = project.data / "vocabulary" / "outcome.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "loop_a:\n  name: a\n  name_nl: a\n  parent: loop_b\n"
                    "loop_b:\n  name: b\n  name_nl: b\n  parent: loop_a\n", encoding="utf-8")
    code, lines = validate()
    assert code == 1 and any("parents form a cycle: loop_a → loop_b → loop_a" in line for line in lines)


def test_a_curated_term_is_added_by_the_data_not_the_package(project):
    path = project.data / "vocabulary" / "condition.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "long_covid:\n  name: long COVID\n  name_nl: long covid\n",
                    encoding="utf-8")
    project.edit("condition: cancer", "condition: long_covid")
    assert validate()[0] == 0


def test_an_unknown_vocabulary_file_is_an_error(project):
    (project.data / "vocabulary" / "colours.yaml").write_text("red:\n  name: red\n  name_nl: rood\n", encoding="utf-8")
    code, lines = validate()
    assert code == 1 and lines[0].startswith("data/vocabulary/colours.yaml:1: 'colours' is not a curated vocabulary")
