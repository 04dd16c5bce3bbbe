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


# ---- the Vocabulary's own behaviour and check_kind, without the CLI (mutation testing: bench/mutation.py) ----

def term(name: str, **attributes) -> dict:
    return {"name": name, "name_nl": name, "parent": None, "rank": None, "pending": False, **attributes}


def test_terms_names_ranks_and_flags():
    from evidence.vocabulary import Vocabulary

    vocab = Vocabulary({"rating": {"-1": term("serious"), "0": term("none")},
                        "level": {"unranked": term("unranked"), "top": term("top", rank=1), "low": term("low", rank=-1)},
                        "kind": {"a": term("a", pending=True), "b": term("b")}})
    assert vocab.terms("nothing") == {} and vocab.where("nothing", "pending") == []
    assert vocab.term("rating", -1)["name"] == "serious"  # ids are text: -1 is looked up as '-1'
    assert vocab.term("rating", None) is None and vocab.term("rating", 5) is None
    assert Vocabulary({"k": {"None": term("none")}}).term("k", None) is None  # no value is no term, whatever the ids
    assert vocab.name("rating", -1) == "serious" and vocab.name("rating", 5) == "5"  # unknown: the value itself
    # highest rank first; an unranked term counts as rank 0
    assert vocab.ranked("level") == ["top", "unranked", "low"]
    assert vocab.where("kind", "pending") == ["a"]
    merged = vocab.merged(Vocabulary({"kind": {"c": term("c")}}, {"document"}))
    assert list(merged.terms("kind")) == ["c"] and merged.terms("rating") == vocab.terms("rating")
    assert not merged.checks("document") and merged.checks("kind")


def test_did_you_mean_reads_spaces_as_underscores():
    from evidence.vocabulary import Vocabulary

    vocab = Vocabulary({"outcome": {"return_to_work": term("return to work"), "returntowork": term("x")}})
    # "return to work" → "return_to_work" (ratio 1.0), not the closer-looking "returntowork" (difflib ratio 0.92)
    assert vocab.suggestion("outcome", "Return To Work") == " (did you mean 'return_to_work'?)"
    assert vocab.suggestion("outcome", "sick leave") == ""
    assert Vocabulary({"k": {"a_b_c": term("abc")}}).suggestion("k", "A B C") == " (did you mean 'a_b_c'?)"


def test_family_is_the_topmost_ancestor_and_stops_at_a_cycle():
    from evidence.vocabulary import Vocabulary

    vocab = Vocabulary({"condition": {"cancer": term("cancer"), "breast_cancer": term("b", parent="cancer"),
                                      "her2": term("h", parent="breast_cancer"), "x": term("x", parent="a"),
                                      "a": term("a", parent="b"), "b": term("b", parent="a")}})
    assert vocab.family("condition", "her2") == "cancer"
    assert vocab.family("condition", "cancer") == "cancer" and vocab.family("condition", "unknown") == "unknown"
    assert vocab.family("condition", "x") in {"a", "b"}  # a cycle below the start ends (the validator reports it)


def test_label_shows_the_dutch_name_only_when_it_differs():
    from evidence.vocabulary import label

    assert label({"name": "cancer", "name_nl": "kanker"}) == "cancer (kanker)"
    assert label({"name": "Long COVID", "name_nl": "long covid"}) == "Long COVID"


def test_check_kind_names_each_problem_with_its_place():
    from evidence.vocabulary import ATTRIBUTES, check_kind

    def line_of(path):
        return "/".join(map(str, path)) or "top"

    def found(data):
        terms, problems = check_kind("condition", data, "c.yaml", line_of)
        return terms, [(p.file, p.field, p.message, p.line) for p in problems]

    assert found(["cancer"]) == ({}, [("c.yaml", "", "vocabulary 'condition' must be a mapping of term ids to their "
                                                     "names", "top")])
    terms, problems = found({1: term("one"), "": term("empty"), "ok": term("ok")})
    assert list(terms) == ["ok"] and problems == [("c.yaml", "condition", "term ids must be text, not 1", "1"),
                                                  ("c.yaml", "condition", "term ids must be text, not ''", "top")]
    terms, problems = found({"x": "just text"})
    assert terms["x"]["name"] == "x" and problems == [
        ("c.yaml", "condition.x", "must be a mapping of attributes (name, name_nl, …)", "x")]
    assert found({"x": {"name": "x", "name_nl": "x", "zzzzz": 1}})[1] == [
        ("c.yaml", "condition.x.zzzzz", f"unknown attribute; attributes: {', '.join(ATTRIBUTES)}", "x/zzzzz")]
    assert found({"x": {"name": "x", "name_nl": "x", "rank": "high"}})[1] == [
        ("c.yaml", "condition.x.rank", "Input should be a valid integer (got 'high')", "x/rank")]
    assert found({"a": term("a", parent="b"), "b": term("b", parent="a")})[1] == [
        ("c.yaml", "condition.a.parent", "parents form a cycle: a → b → a", "a/parent"),
        ("c.yaml", "condition.b.parent", "parents form a cycle: b → a → b", "b/parent")]


def test_a_grade_start_that_is_not_a_certainty_is_a_file_line_error(tmp_path, monkeypatch):
    import pytest

    from evidence import vocabulary
    from evidence.problems import EvidenceError

    text = vocabulary.SCALES.read_text(encoding="utf-8")
    start = text.index("  rct:\n")
    broken = text[:start] + text[start:].replace("grade_start: high", "grade_start: hihg", 1)
    path = tmp_path / "scales.yaml"
    path.write_text(broken, encoding="utf-8")
    monkeypatch.setattr(vocabulary, "SCALES", path)
    with pytest.raises(EvidenceError) as error:
        vocabulary.scales.__wrapped__()  # the uncached body: the package's own scales stay as they are
    assert str(error.value) == f"{path}:{line_of(broken, 'grade_start: hihg')}: design.rct.grade_start: " \
                               "grade_start 'hihg' is not a certainty"
    assert vocabulary.terms("design")["rct"]["grade_start"] == "high"


# --- the fast path for terms (vocabulary.fast_term) against its oracle, the model ------------------------

TERM_EDGES = [None, "", " ", "x", " x", "x ", "x\n", "\u00a0x", "\x1cx", "#a1B2c3", "#a1b2c", "#a1b2c3\n", "ratio",
              "difference", "higher", "lower", "may", "very uncertain", "probably or likely", 0, 1, -1, 1.0, True,
              False, [], ["x"], [" x"], ["x", ""], ["may"], ["may", "often"], [None], {}, b"x"]


def same_term_as_the_model(attributes) -> bool:
    """Whether the fast path took the term; when it did, the model takes it with the same values."""
    from pydantic import ValidationError

    from evidence.vocabulary import fast_term, term_model
    from tests.test_fast_records import typed

    fast = fast_term(attributes)
    if fast is None:
        return False
    try:
        model = term_model().model_validate(attributes).model_dump()
    except ValidationError as e:
        raise AssertionError(f"the fast path took a term the model refuses: {e}") from None
    assert typed(fast) == typed(model) and list(fast) == list(model)
    return True


def test_every_attribute_of_a_term_set_to_each_edge_value_or_deleted():
    """A term the fast path reads is the model's, value for value and type for type; so a vocabulary gives
    the same terms and the same problems (which are always the model's) either way."""
    from evidence.vocabulary import ATTRIBUTES

    real = [*scales().kinds["certainty"].values(), *scales().kinds["effect_measure"].values()]
    bases = [{k: v for k, v in t.items() if v not in (None, False)} for t in real]
    taken = 0
    for base in bases[:3]:
        taken += same_term_as_the_model(base)
        for name in [*ATTRIBUTES, "unknown", 1]:
            taken += same_term_as_the_model({k: v for k, v in base.items() if k != name})
            for value in TERM_EDGES:
                taken += same_term_as_the_model({**base, name: value})
    assert taken > 300  # most valid terms take the fast path
    assert same_term_as_the_model(["not", "a", "mapping"]) is False


def test_the_real_vocabularies_take_the_fast_path():
    from evidence.vocabulary import fast_term, term_model
    from tests.conftest import ROOT
    import yaml

    for path in sorted((ROOT / "data" / "vocabulary").glob("*.yaml")):
        for term_id, attributes in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            assert fast_term(attributes) == term_model().model_validate(attributes).model_dump(), (path.name, term_id)
