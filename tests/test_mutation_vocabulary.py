"""Faults planted in evidence/vocabulary.py and evidence/languages/ that the vocabulary's other tests let
through (bench/mutation.py, group vocabulary): ids and names of curated terms, the fast path that reads a
term without the model, a third language's names, and names added to a class at import."""

from __future__ import annotations

import pytest

from evidence import languages, vocabulary
from evidence.vocabulary import check_kind, fast_term, label, stored


def term(name: str, name_nl: str | None = None, **attributes) -> dict:
    return {"name": name, "name_nl": name if name_nl is None else name_nl, **attributes}


def found(kind: str, data: dict) -> tuple[dict, list[tuple]]:
    terms, problems = check_kind(kind, data, "c.yaml", lambda path: "/".join(map(str, path)) or "top")
    return terms, [(p.file, p.field, p.message, p.line) for p in problems]


def test_a_curated_term_id_is_part_of_an_address():
    _, problems = found("condition", {"Bad Id/<x>": term("bad"), "ok_1.a-b": term("ok"), "-x": term("dash first")})
    assert problems == [
        ("c.yaml", "condition.Bad Id/<x>", "term id 'Bad Id/<x>' may hold only letters, digits, '_', '.' and '-' "
                                           "(it is part of a page address)", "Bad Id/<x>"),
        ("c.yaml", "condition.-x", "term id '-x' may hold only letters, digits, '_', '.' and '-' (it is part of a "
                                   "page address)", "-x")]


def test_one_name_is_one_term_in_each_language_whatever_its_case_and_spaces():
    _, problems = found("condition", {"cancer": term("cancer", "kanker"), "tumour": term(" Cancer ", "tumor"),
                                      "neoplasm": term("neoplasm", "KANKER"), "other": term("other", "cancer")})
    assert problems == [
        ("c.yaml", "condition.tumour.name", "'Cancer' is also the name of 'cancer' (line cancer); one name, one term",
         "tumour/name"),
        ("c.yaml", "condition.neoplasm.name_nl", "'KANKER' is also the name_nl of 'cancer' (line cancer); one name, "
                                                 "one term", "neoplasm/name_nl")]
    # one name in two languages of one term, or the same name in another language of another term, is fine
    assert found("condition", {"a": term("x", "x"), "b": term("y", "x_nl")})[1] == []


def test_a_fixed_scale_is_not_held_to_addresses_or_names():
    # evidence/scales.yaml's scales have ids such as -1 and no pages: only the curated kinds are checked
    assert vocabulary.CURATED and "certainty" not in vocabulary.CURATED
    assert found("certainty", {"-1 x": term("same"), "b": term("same")})[1] == []


def test_a_term_the_model_had_to_read_is_not_counted_twice_for_its_name():
    # a term with a problem is kept as a placeholder (its id as every name): it is not "the same name" as another
    _, problems = found("condition", {"x": term("x", rank="high"), "y": term("x_other")})
    assert [p[1] for p in problems] == ["condition.x.rank"]


def test_a_plain_term_never_reaches_the_model(monkeypatch):
    def no_model():
        raise AssertionError("the model was built for a term the fast path reads")

    monkeypatch.setattr(vocabulary, "term_model", no_model)
    terms, problems = found("condition", {"cancer": term("cancer", "kanker", synonyms=["tumour"])})
    assert problems == [] and terms["cancer"]["synonyms"] == ["tumour"] and terms["cancer"]["name_nl"] == "kanker"


def test_the_fast_path_copies_a_list_as_the_model_does():
    attributes = term("cancer", synonyms=["tumour"])
    read = fast_term(attributes)
    attributes["synonyms"].append("neoplasm")
    assert read["synonyms"] == ["tumour"]  # the model's model_dump() gives a list of its own too
    assert fast_term({**term("x"), 3: "not a name"}) is None


def test_synonyms_are_stored_as_one_text():
    assert stored(["tumour", "neoplasm"]) == "tumour; neoplasm" and stored("x") == "x" and stored(None) is None


def test_a_label_names_each_other_language_once(monkeypatch):
    monkeypatch.setattr(vocabulary, "name_columns", lambda: ["name", "name_nl", "name_de"])
    assert label({"name": "cancer", "name_nl": "kanker", "name_de": "Krebs"}) == "cancer (kanker; Krebs)"
    assert label({"name": "cancer", "name_nl": "kanker", "name_de": "KANKER"}) == "cancer (kanker)"
    assert label({"name": "cancer", "name_nl": "Cancer", "name_de": "CANCER"}) == "cancer"


def test_names_in_the_other_languages_are_added_to_a_class_being_defined():
    namespace: dict = {}
    languages.add_names(namespace, str, lambda english: f"field for {english}")
    others = languages.others()
    assert others and namespace["__annotations__"] == {languages.name_column(code): str for code in others}
    assert [namespace[languages.name_column(code)] for code in others] == [
        f"field for {languages.language(code).english}" for code in others]
    required: dict = {"__annotations__": {"name": str}}
    languages.add_names(required, int)  # without a field: required, so no default in the namespace
    assert required["__annotations__"] == {"name": str, **{languages.name_column(code): int for code in others}}
    assert set(required) == {"__annotations__"}


@pytest.mark.parametrize("code", ["nl"])
def test_dutch_is_one_of_the_other_languages(code):
    assert code in languages.others() and languages.name_column(code) == "name_nl"
