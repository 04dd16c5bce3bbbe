"""One test per validation rule, each asserting the exact FILE:LINE: field: message."""

from __future__ import annotations

from pathlib import Path

from evidence.build import check
from evidence.problems import ordered
from tests.conftest import VALID, line_of


def messages(strict_warnings: bool = False) -> list[str]:
    """The problems as the CLI prints them: ordered by file and line."""
    _, report, _ = check(Path("data"))
    return [str(p) for p in ordered(report.problems) if strict_warnings or not p.warning]


def test_valid_project_has_no_problems(project):
    _, report, _ = check(Path("data"))
    assert [str(p) for p in report.problems] == []


def test_unknown_field_suggests_the_right_name(project):
    text = project.edit("      certainty: low\n", "      certanity: low\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'certanity')}: smith-2020-f1.certanity: unknown field (did you mean 'certainty'?)"
    ]


def test_wrong_type(project):
    text = project.edit("      certainty: low\n", "      certainty: low\n      studies_n: five\n")
    line = line_of(text, "studies_n")
    assert messages() == [
        f"data/studies.yaml:{line}: smith-2020-f1.studies_n: Input should be a valid integer, "
        "unable to parse string as an integer (got 'five')"
    ]


def test_missing_required_field_points_at_the_record(project):
    text = project.edit("      statement: Work support may increase return to work.\n", "")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, '- id: f1')}: smith-2020-f1.statement: required field is missing"
    ]


def test_out_of_vocabulary_value_with_did_you_mean(project):
    text = project.edit("outcome: return_to_work", "outcome: return_to_wrk")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'return_to_wrk')}: smith-2020-f1.outcome: "
        "'return_to_wrk' is not a known outcome (did you mean 'return_to_work'?)"
    ]


def test_undefined_condition(project):
    text = project.edit("condition: cancer", "condition: cancre")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'cancre')}: smith-2020-f1.condition: "
        "'cancre' is not a known condition (did you mean 'cancer'?)"
    ]


def test_duplicate_ids_across_files(project):
    project.write("more/extra.yaml", VALID.replace("smith2020", "smith2020"))
    assert messages() == [
        "data/studies.yaml:1: smith-2020: duplicate id; first defined at data/more/extra.yaml:1",
        "data/studies.yaml:6: smith-2020-f1: duplicate id; first defined at data/more/extra.yaml:6",
    ]


def test_citation_key_missing_from_bibliography(project):
    text = project.edit("citation_key: smith2020", "citation_key: smith2021")
    errors = [m for m in messages() if "citation_key" in m]
    assert errors == [
        f"data/studies.yaml:{line_of(text, 'smith2021')}: smith-2020.citation_key: 'smith2021' is not in the bibliography"
    ]


def test_confidence_interval_must_contain_the_effect(project):
    effect = (
        "      effect_measure: RR\n      effect: 2.5\n      ci_lower: 1.1\n      ci_upper: 1.9\n"
        "      effect_source_document: published-facts.md\n      effect_quote: RR 2.5 (1.1 to 1.9)\n"
    )
    text = project.edit("      source_document: published-facts.md\n", effect + "      source_document: published-facts.md\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'effect: 2.5')}: smith-2020-f1.effect: "
        "ci_lower <= effect <= ci_upper does not hold (1.1 <= 2.5 <= 1.9)"
    ]


def test_effect_without_its_provenance(project):
    text = project.edit("      source_document: published-facts.md\n", "      effect_measure: RR\n      effect: 1.2\n      source_document: published-facts.md\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, '- id: f1')}: smith-2020-f1.effect_quote: "
        "effect estimates need their provenance: effect_source_document and effect_quote"
    ]


def test_malformed_doi(project):
    project.write("references.bib", project.data.joinpath("references.bib").read_text().replace("10.1000/xyz123", "doi:10.1000/xyz"))
    assert messages() == [
        "data/references.bib:1: smith2020: malformed DOI 'doi:10.1000/xyz' (expected 10.NNNN/…, without https://doi.org/)"
    ]


def test_malformed_pmid(project):
    project.write("references.bib", project.data.joinpath("references.bib").read_text().replace("12345678", "PMC123"))
    assert messages() == ["data/references.bib:1: smith2020: malformed PMID 'PMC123' (expected digits only)"]


def test_grade_wording_must_fit_certainty(project):
    text = project.edit("certainty: low", "certainty: moderate")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'statement:')}: smith-2020-f1.statement: the wording does not fit "
        "certainty 'moderate': GRADE expects 'probably' or 'likely'"
    ]


def test_grade_wording_deviation_with_justification_is_not_an_error(project):
    project.edit("certainty: low", "certainty: moderate\n      wording_justification: The panel chose 'may'.")
    _, report, _ = check(Path("data"))
    assert not report.fails(strict=True)
    assert "[justified: The panel chose 'may'.]" in str(report.problems[0])


def test_direction_must_match_the_statement(project):
    text = project.edit("Work support may increase return to work.\n      source",
                        "Work support may result in little to no difference in return to work.\n      source")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'direction:')}: smith-2020-f1.direction: "
        "'benefit' does not match the statement, which reads as 'little_or_no_difference'"
    ]


DOMAINS = "".join(f"      {d}: {v}\n" for d, v in
                  [("risk_of_bias", -1), ("inconsistency", 0), ("indirectness", 0), ("imprecision", -1), ("publication_bias", 0)])


def test_certainty_computed_from_domains_is_a_warning_naming_both(project):
    # randomised (rct) starts high; -2 gives low, as recorded: no warning
    project.edit("      direction:", DOMAINS + "      direction:")
    assert messages(strict_warnings=True) == []
    # one more serious concern computes very low while low is recorded: a warning, not an error
    text = project.edit("publication_bias: 0", "publication_bias: -1")
    _, report, _ = check(Path("data"))
    assert [str(p) for p in report.problems] == [
        f"data/studies.yaml:{line_of(text, 'certainty:')}: smith-2020-f1.certainty: warning: recorded certainty "
        "'low' differs from 'very_low' computed from the five domains (start: high)"
    ]
    assert not report.fails() and report.fails(strict=True)


def test_certainty_mismatch_with_justification_passes_strict(project):
    project.edit("      direction:", DOMAINS.replace("publication_bias: 0", "publication_bias: -1")
                 + "      certainty_justification: Imprecision is explained by inconsistency.\n      direction:")
    _, report, _ = check(Path("data"))
    assert len(report.problems) == 1 and not report.fails(strict=True)


def test_follow_up_min_above_max(project):
    text = project.edit("      certainty: low\n", "      follow_up_months_min: 12\n      follow_up_months_max: 6\n      certainty: low\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'follow_up_months_min')}: smith-2020-f1.follow_up_months_min: "
        "12.0 is more than follow_up_months_max 6.0"
    ]


def test_source_id_must_be_a_slug(project):
    project.edit("- id: smith-2020", "- id: Smith 2020")
    assert messages() == [
        "data/studies.yaml:1: Smith 2020.id: 'Smith 2020' does not match ^[a-z0-9]+(?:-[a-z0-9]+)*$"
    ]


def test_every_problem_is_collected_in_one_run(project):
    project.edit("outcome: return_to_work", "outcome: rtw")
    project.edit("design: rct", "design: trial")
    project.edit("citation_key: smith2020", "citation_key: nobody")
    assert len(messages()) == 3


def test_uncited_bib_entry_is_a_warning(project):
    project.write("references.bib", project.data.joinpath("references.bib").read_text()
                  + "\n@book{orphan2000, author = {Nobody, A.}, title = {Unused}, year = {2000}}\n")
    _, report, _ = check(Path("data"))
    assert [str(p) for p in report.problems] == ["data/references.bib:10: orphan2000: warning: entry is not cited by any source"]


def test_currency_must_be_an_iso_code(project):
    evaluation = (
        "  economic_evaluations:\n    - id: e1\n      condition: cancer\n      intervention: work support\n"
        "      currency: euro\n      conclusion: cost_effective\n      statement: Cost-effective.\n"
        "      source_document: published-facts.md\n      source_locator: p. 2\n      quote: kosteneffectief\n"
    )
    text = project.edit("  findings:\n", evaluation + "  findings:\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'currency')}: smith-2020-e1.currency: 'euro' does not match ^[A-Z]{{3}}$"
    ]


def test_unknown_document_is_an_error(project):
    text = project.edit("source_document: published-facts.md", "source_document: publshed-facts.md")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'publshed')}: smith-2020-f1.source_document: "
        "'publshed-facts.md' is not a known document (did you mean 'published-facts.md'?)"
    ]


def test_labels_keep_surname_particles(project):
    from evidence.validate import first_author
    from evidence.bibtex import BibEntry

    def label(author: str) -> str:
        return first_author(BibEntry("k", 1, "article", {"author": author}))

    assert label("de Boer, A. G. E. M. and others") == "de Boer"
    assert label("{de Boer} and others") == "de Boer"
    assert label("{Van Dongen} and others") == "Van Dongen"
    assert label("{Federatie Medisch Specialisten}") == "Federatie Medisch Specialisten"
    assert label("Hegewald, J. and Wegewitz, U. E.") == "Hegewald"


def test_vocabulary_is_checked_even_when_the_record_has_other_errors(project):
    text = project.edit("  status: included\n", "")
    text = project.edit("design: rct", "design: rtc")
    assert messages() == [
        "data/studies.yaml:1: smith-2020.status: required field is missing",
        f"data/studies.yaml:{line_of(text, 'rtc')}: smith-2020.design: 'rtc' is not a known design (did you mean 'rct'?)",
    ]


def test_sources_sharing_author_and_year_get_letters():
    from evidence.validate import add_labels

    rows = [{"id": "lambeek-2010b", "label": "Lambeek 2010"}, {"id": "lambeek-2010a", "label": "Lambeek 2010"},
            {"id": "kumar-2017", "label": "Kumar 2017"}, {"id": "fms-2024", "label": "FMS"}, {"id": "fms-x", "label": "FMS"}]
    add_labels(rows)
    assert [r["label"] for r in rows] == ["Lambeek 2010b", "Lambeek 2010a", "Kumar 2017", "FMS", "FMS"]


def test_real_sources_sharing_a_label_are_told_apart(real_db):
    from tests.conftest import query

    labels = dict(query(real_db, "select id, label from sources where id glob 'lambeek-2010*' or id glob 'bouwsma-2018*'"))
    assert labels == {"lambeek-2010a": "Lambeek 2010a", "lambeek-2010b": "Lambeek 2010b",
                      "bouwsma-2018a": "Bouwsma 2018a", "bouwsma-2018b": "Bouwsma 2018b"}


def test_a_year_that_is_not_a_year_is_an_error(project):
    text = project.edit("  year = {2020},", "  year = {20x0},", "references.bib")
    assert messages() == [f"data/references.bib:{line_of(text, '@article')}: smith2020: year '20x0' is not a year (four digits)"]


# ---- each rule's exact message and place, and the rows validation returns (mutation testing: bench/mutation.py) --

def rows_and_messages(strict_warnings: bool = False) -> tuple[dict, list[str]]:
    rows, report, _ = check(Path("data"))
    return rows, [str(p) for p in ordered(report.problems) if strict_warnings or not p.warning]


SECOND_FINDING = VALID.split("  findings:\n")[1].replace("- id: f1", "- id: f2")


def test_same_result_as_names_another_record_that_is_not_itself_a_repeat(project):
    def link(**targets: str) -> tuple[str, list[str]]:
        """smith-2020-f1 without a link, then f2 (and f3) with same_result_as as given."""
        text = VALID
        for finding, target in targets.items():
            text += SECOND_FINDING.replace("- id: f2", f"- id: {finding}").replace(
                "      quote:", f"      same_result_as: {target}\n      quote:")
        project.write("studies.yaml", text)
        return text, messages()

    text, found = link(f2="smith-2020-f1")
    assert found == []  # one result, recorded once in f1 and repeated by f2
    text, found = link(f2="smith-2020-f2")  # the first finding has no link: the next one is still checked
    assert found == [f"data/studies.yaml:{line_of(text, 'same_result_as')}: smith-2020-f2.same_result_as: "
                     "'smith-2020-f2' is not another record of the same kind"]
    text, found = link(f2="smith-2020-f9")
    assert found == [f"data/studies.yaml:{line_of(text, 'same_result_as')}: smith-2020-f2.same_result_as: "
                     "'smith-2020-f9' is not another record of the same kind"]
    text, found = link(f2="smith-2020-f1", f3="smith-2020-f2")
    assert found == [f"data/studies.yaml:{line_of(text, 'same_result_as: smith-2020-f2')}: smith-2020-f3.same_result_as: "
                     "'smith-2020-f2' itself repeats another record; link to the one it repeats"]


def test_the_shape_of_the_file_and_of_each_source(project):
    project.write("studies.yaml", "a: 1\n")
    assert messages() == ["data/studies.yaml:1: the top level must be a list of sources, not a dict"]
    text = "- just text\n- 0: x\n" + VALID.replace("outcome: return_to_work", "outcome: return_to_wrk")
    project.write("studies.yaml", text)  # the sources after a broken one are still checked
    assert messages() == [
        "data/studies.yaml:1: sources[0]: each source must be a mapping of fields",
        "data/studies.yaml:2: sources[1]: field names must be text, not 0",
        f"data/studies.yaml:{line_of(text, 'return_to_wrk')}: smith-2020-f1.outcome: 'return_to_wrk' is not a known "
        "outcome (did you mean 'return_to_work'?)"]
    project.write("studies.yaml", VALID)
    text = project.edit("      condition: cancer\n", "      condition: cancer\n      7: x\n")
    assert messages() == [f"data/studies.yaml:{line_of(text, '- id: f1')}: sources[0]: field names must be text, not 7"]


def test_nested_records_are_named_by_their_place_when_they_have_no_id(project):
    text = project.edit("  findings:\n    - id: f1", "  findings:\n    - text\n    - id: f1")
    assert messages() == [f"data/studies.yaml:{line_of(text, '- text')}: smith-2020-findings[0]: must be a mapping of fields"]
    project.write("studies.yaml", VALID.replace("    - id: f1\n      condition: cancer", "    - condition: cancer"))
    assert messages() == ["data/studies.yaml:6: smith-2020-findings[0].id: required field is missing"]
    project.write("studies.yaml", VALID.replace("    - id: f1\n      condition: cancer", "    - condition: cancre"))
    assert messages()[0] == ("data/studies.yaml:6: smith-2020-findings[0].condition: 'cancre' is not a known condition "
                             "(did you mean 'cancer'?)")
    project.write("studies.yaml", VALID.replace("- id: smith-2020", "- id: 5"))
    assert messages() == ["data/studies.yaml:1: source.id: Input should be a valid string (got 5)"]
    project.write("studies.yaml", VALID.replace("- id: smith-2020", "- id: 5").replace("design: rct", "design: rtc"))
    assert "data/studies.yaml:3: sources[0].design: 'rtc' is not a known design (did you mean 'rct'?)" in messages()


def test_listed_conditions_and_intervention_types_are_checked_item_by_item(project):
    text = project.edit("  status: included\n", "  status: included\n  conditions: [5, cancre]\n"
                                                 "  intervention_types: [vocationl]\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'cancre')}: smith-2020.conditions: 'cancre' is not a known condition "
        "(did you mean 'cancer'?)",
        f"data/studies.yaml:{line_of(text, 'cancre')}: smith-2020.conditions.0: Input should be a valid string (got 5)",
        f"data/studies.yaml:{line_of(text, 'vocationl')}: smith-2020.intervention_types: 'vocationl' is not a known "
        "intervention_type (did you mean 'vocational'?)"]


def test_study_level_fields_and_unknown_fields_without_a_close_name(project):
    text = project.edit("      certainty: low\n", "      certainty: low\n      zzz: 1\n      effect_measure: RR\n"
                        "      studies:\n        - label: A\n          events_int: x\n          n_int: 10\n"
                        "          events_ctl: 1\n          n_ctl: 10\n")
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'zzz')}: smith-2020-f1.zzz: unknown field",
        f"data/studies.yaml:{line_of(text, 'events_int')}: smith-2020-f1.studies.0.events_int: a whole number is "
        "needed (got 'x')"]


def test_studies_that_cannot_be_pooled_are_a_problem_of_the_finding(project):
    text = project.edit("      certainty: low\n", "      certainty: low\n      effect_measure: RR\n      studies:\n"
                        "        - label: A\n          events_int: 11\n          n_int: 10\n          events_ctl: 1\n"
                        "          n_ctl: 10\n")
    assert messages() == [f"data/studies.yaml:{line_of(text, 'studies:')}: smith-2020-f1.studies: cannot pool: "
                          "A: events cannot exceed the arm total"]


PROVENANCE = "      effect_source_document: published-facts.md\n      effect_source_locator: p. 1\n      effect_quote: RR 0.9\n"


def test_numbers_need_their_measure_provenance_and_both_bounds(project):
    def finding(extra: str) -> tuple[str, list[str]]:
        project.write("studies.yaml", VALID.replace("      certainty: low\n", "      certainty: low\n" + extra))
        return project.data.joinpath("studies.yaml").read_text(encoding="utf-8"), messages()

    text, found = finding("      effect_measure: RR\n      effect: 0.9\n      effect_quote: RR 0.9\n")
    assert found == [f"data/studies.yaml:{line_of(text, 'effect_quote')}: smith-2020-f1.effect_quote: effect estimates "
                     "need their provenance: effect_source_document and effect_quote"]
    text, found = finding("      effect: 0.9\n" + PROVENANCE)
    assert found == [f"data/studies.yaml:{line_of(text, 'effect: 0.9')}: smith-2020-f1.effect_measure: an effect needs "
                     "its effect_measure (RR, OR, HR, SMD, MD)"]
    text, found = finding("      effect_measure: RR\n      effect: 0.9\n      ci_upper: 1.1\n" + PROVENANCE)
    # the place is the deepest node of the path that exists: the finding, since ci_lower is not there
    assert found == [f"data/studies.yaml:{line_of(text, '- id: f1')}: smith-2020-f1.ci_lower: give both ci_lower and "
                     "ci_upper, or neither"]
    text, found = finding("      effect_measure: RR\n      ci_lower: 0.8\n      ci_upper: 1.1\n" + PROVENANCE)
    assert found == [f"data/studies.yaml:{line_of(text, 'ci_lower')}: smith-2020-f1.effect: a confidence interval needs "
                     "its effect"]
    for bounds in ("      ci_lower: 0.9\n      ci_upper: 1.1\n", "      ci_lower: 0.8\n      ci_upper: 0.9\n"):
        assert finding("      effect_measure: RR\n      effect: 0.9\n" + bounds + PROVENANCE)[1] == []  # on a bound
    text, found = finding("      effect_measure: RR\n      effect: 0.0\n" + PROVENANCE)
    assert found == [f"data/studies.yaml:{line_of(text, 'effect: 0.0')}: smith-2020-f1.effect: a risk ratio (RR) is a "
                     "ratio: it must be greater than 0 (got 0.0)"]
    text, found = finding("      comparator_risk: 100\n      comparator_risk_quote: 100 per 1000\n")
    assert found == [f"data/studies.yaml:{line_of(text, 'comparator_risk: 100')}: smith-2020-f1.comparator_risk: "
                     "a comparator risk needs its provenance: comparator_risk_source_document and comparator_risk_quote"]


def test_grade_checks_use_the_certainty_and_the_findings_own_design(project):
    text = project.edit("certainty: low", "certainty: medium")  # not a certainty: reported once, nothing computed
    assert messages() == [f"data/studies.yaml:{line_of(text, 'medium')}: smith-2020-f1.certainty: 'medium' is not a "
                          "known certainty"]
    text = project.edit("certainty: medium", "certainty: very_low")  # very low reads as uncertain, whatever the words
    assert messages() == [
        f"data/studies.yaml:{line_of(text, 'direction:')}: smith-2020-f1.direction: 'benefit' does not match the "
        "statement, which reads as 'uncertain'",
        f"data/studies.yaml:{line_of(text, 'statement:')}: smith-2020-f1.statement: the wording does not fit certainty "
        "'very_low': GRADE expects 'the evidence is very uncertain'"]
    # ../shared/grade-rules.md: non-randomised evidence starts low, whatever the source's design (rct): with no
    # domain rated down the computed certainty is low, as recorded: no warning
    project.edit("certainty: very_low", "certainty: low")
    project.edit("      direction:", DOMAINS.replace("-1", "0") + "      evidence_design: non_randomised\n      direction:")
    assert messages(strict_warnings=True) == []


def test_a_source_without_any_condition(project):
    project.write("studies.yaml", VALID.split("  findings:\n")[0])
    assert messages() == ["data/studies.yaml:1: smith-2020.conditions: no condition: list the conditions covered or "
                          "add findings"]
    project.write("studies.yaml", VALID.split("  findings:\n")[0].replace("status: included",
                                                                          "status: awaiting_classification"))
    assert messages() == []  # not yet classified: its conditions may be unknown


EVALUATION = ("  economic_evaluations:\n    - id: e1\n      condition: return_to_work_condition\n"
              "      intervention: work support\n      currency: EUR\n      conclusion: cost_effective\n"
              "      statement: Cost-effective.\n      source_document: published-facts.md\n      source_locator: p. 2\n"
              "      quote: kosteneffectief\n")


def test_rows_of_a_source_its_findings_and_evaluations(project):
    import json

    import yaml

    evaluation = EVALUATION.replace("return_to_work_condition", "cancer")
    project.write("studies.yaml", VALID.split("  findings:\n")[0] + evaluation + evaluation.replace(
        "  economic_evaluations:\n", "").replace("quote: kosteneffectief", "quote: nogmaals"))
    text = project.data.joinpath("studies.yaml").read_text(encoding="utf-8")
    rows, found = rows_and_messages()
    second = text.index("    - id: e1", text.index("    - id: e1") + 1)
    assert found == [f"data/studies.yaml:{text[:second].count(chr(10)) + 1}: smith-2020-e1: duplicate id; first defined "
                     f"at data/studies.yaml:{line_of(text, '- id: e1')}"]
    assert [(r["id"], r["source_id"], r["condition"]) for r in rows["economic_evaluations"]] == [
        ("smith-2020-e1", "smith-2020", "cancer")] * 2
    assert json.loads(rows["sources"][0]["conditions"]) == ["cancer"]  # from the evaluation: no condition problem

    project.write("studies.yaml", VALID)
    rows, _ = rows_and_messages()
    source = rows["sources"][0]
    # the .bib entry of tests/conftest.py BIB
    assert {k: source[k] for k in ("id", "citation_key", "design", "status", "note", "title", "authors", "journal",
                                   "doi", "pmid", "year", "label")} == {
        "id": "smith-2020", "citation_key": "smith2020", "design": "rct", "status": "included", "note": None,
        "title": "A trial of work support", "authors": "Smith, Jane and Jones, Bob", "journal": "Journal of Work",
        "doi": "10.1000/xyz123", "pmid": "12345678", "year": 2020, "label": "Smith 2020"}
    assert source["bibtex"].startswith("@article{smith2020,")
    assert (json.loads(source["conditions"]), json.loads(source["intervention_types"])) == (["cancer"], ["vocational"])
    finding = rows["findings"][0]
    vocational = yaml.safe_load((project.data / "vocabulary" / "intervention_type.yaml").read_text(encoding="utf-8"))[
        "vocational"]
    assert "studies" not in finding and (finding["id"], finding["source_id"], finding["source_design"],
                                         finding["source_status"]) == ("smith-2020-f1", "smith-2020", "rct", "included")
    parent = vocational.get("parent")  # a family of its own when it has none (one level of parents in the file)
    assert finding["intervention_family"] == (parent or "vocational")
    [row] = [r for r in rows["intervention_types"] if r["id"] == "vocational"]
    assert (row["description"], row["parent"], row["family"]) == (vocational.get("description"), parent,
                                                                  parent or "vocational")
    [term] = [r for r in rows["vocabulary"] if (r["kind"], r["id"]) == ("intervention_type", "vocational")]
    assert term["parent"] == parent and term["name"] == vocational["name"]


def test_the_bibliography_decides_label_and_journal(project):
    project.write("references.bib", "@book{smith2020,\n  title = {Work support},\n  shorttitle = {Work},\n"
                                    "  publisher = {Kluwer},\n  year = {2020},\n}\n")
    rows, found = rows_and_messages()
    assert found == [] and (rows["sources"][0]["label"], rows["sources"][0]["journal"]) == ("Work 2020", "Kluwer")
    project.write("references.bib", "@misc{smith2020,\n  title = {Work support},\n  institution = {TNO},\n}\n")
    rows, _ = rows_and_messages()
    assert (rows["sources"][0]["label"], rows["sources"][0]["journal"], rows["sources"][0]["year"]) == (
        "smith-2020", "TNO", None)  # no author, short title or year: the source id
    project.write("references.bib", "@misc{smith2020,\n  title = {Work support},\n  howpublished = {Web site},\n}\n")
    assert rows_and_messages()[0]["sources"][0]["journal"] == "Web site"
    (project.data / "references.bib").unlink()  # no bibliography at all: every citation is unknown
    rows, found = rows_and_messages()
    assert found == ["data/references.bib:1: bibliography not found (give --bib, or put references.bib beside the data)",
                     "data/studies.yaml:2: smith-2020.citation_key: 'smith2020' is not in the bibliography"]
    assert (rows["sources"][0]["label"], rows["sources"][0]["bibtex"]) == ("smith-2020", None)


def test_years_from_1000_to_2999_are_years(project):
    for year, fine in (("1000", True), ("2999", True), ("0999", False), ("3000", False)):
        project.edit("  year = {2020},", f"  year = {{{year}}},", "references.bib")
        assert (messages() == []) is fine, year
        project.edit(f"  year = {{{year}}},", "  year = {2020},", "references.bib")


def test_labels_ending_in_a_digit_get_letters():
    from evidence.validate import add_labels

    rows = [{"id": "b", "label": "Trial 7"}, {"id": "a", "label": "Trial 7"}]
    add_labels(rows)
    assert [r["label"] for r in rows] == ["Trial 7b", "Trial 7a"]  # by id: a first


def test_curated_vocabulary_files_missing_unknown_and_with_errors(project):
    (project.data / "vocabulary" / "colours.yaml").write_text("red:\n  name: red\n  name_nl: rood\n", encoding="utf-8")
    assert messages() == ["data/vocabulary/colours.yaml:1: 'colours' is not a curated vocabulary; files: "
                          "condition.yaml, document.yaml, intervention_type.yaml, outcome.yaml"]
    (project.data / "vocabulary" / "colours.yaml").unlink()
    (project.data / "vocabulary" / "outcome.yaml").unlink()
    assert "data/vocabulary/outcome.yaml:1: the curated vocabulary 'outcome' is missing" in messages()
    path = project.data / "vocabulary" / "condition.yaml"
    text = path.read_text(encoding="utf-8").replace("  name_nl: kanker\n", "  name_nl: kanker\n  parent: nonsense\n")
    path.write_text(text, encoding="utf-8")
    assert f"data/vocabulary/condition.yaml:{line_of(text, 'parent: nonsense')}: condition.cancer.parent: parent " \
           "'nonsense' is not a condition" in messages()


def test_guideline_problems_are_reported_with_the_sources(project):
    from tests.test_guideline import QUESTION

    text = QUESTION.replace("[smith-2020-f1]", "[smith-2020-f9]")
    project.write("guideline.yaml", text)
    assert messages() == [f"data/guideline.yaml:{line_of(text, 'findings:')}: q1.findings: 'smith-2020-f9' is not a finding"]


def test_places_are_the_keys_named_even_when_they_are_not_first(project):
    moved = SECOND_FINDING.replace("    - id: f2\n      condition: cancer\n", "    - condition: cancer\n      id: f1\n")
    text = VALID.replace("    - id: f1\n      condition: cancer\n", "    - condition: cancer\n      id: f1\n") + moved
    project.write("studies.yaml", text)
    first, second = [n for n, line in enumerate(text.splitlines(), 1) if line == "      id: f1"]
    assert messages() == [f"data/studies.yaml:{second}: smith-2020-f1: duplicate id; first defined at "
                          f"data/studies.yaml:{first}"]
    project.write("studies.yaml", VALID.split("  findings:\n")[0] + "  conditions: []\n")
    assert messages() == ["data/studies.yaml:5: smith-2020.conditions: no condition: list the conditions covered or "
                          "add findings"]  # at the empty list
    text = project.edit("  conditions: []\n", "  conditions: []\n  findings:\n" + VALID.split("  findings:\n")[1].replace(
        "      certainty: low\n", "      certainty: low\n      effect_measure: RR\n      effect: 0.9\n      ci_lower: 0.8\n"
        + PROVENANCE))
    assert messages() == [f"data/studies.yaml:{line_of(text, 'ci_lower')}: smith-2020-f1.ci_lower: give both ci_lower and "
                          "ci_upper, or neither"]


def test_every_bound_of_a_ratio_must_be_above_zero(project):
    text = project.edit("      certainty: low\n", "      certainty: low\n      effect_measure: HR\n      effect: -2.0\n"
                        "      ci_lower: -3.0\n      ci_upper: -1.0\n" + PROVENANCE)
    assert messages() == [f"data/studies.yaml:{line_of(text, f'{name}: -')}: smith-2020-f1.{name}: a hazard ratio (HR) is "
                          f"a ratio: it must be greater than 0 (got {value})"
                          for name, value in (("effect", -2.0), ("ci_lower", -3.0), ("ci_upper", -1.0))]


def test_studies_without_a_measure_at_their_place(project):
    text = project.edit("      certainty: low\n", "      certainty: low\n      studies:\n        - label: A\n"
                        "          events_int: 1\n          n_int: 10\n          events_ctl: 2\n          n_ctl: 10\n")
    assert messages() == [f"data/studies.yaml:{line_of(text, 'studies:')}: smith-2020-f1.effect_measure: study-level "
                          "results need an effect_measure to pool them"]


def test_an_unknown_certainty_settles_nothing_else(project):
    # 'medium' is reported once; the statement is not read against it (it would read as little or no difference)
    text = project.edit("Work support may increase return to work.\n      source",
                        "Work support may result in little to no difference in return to work.\n      source")
    text = project.edit("certainty: low", "certainty: medium")
    assert messages() == [f"data/studies.yaml:{line_of(text, 'medium')}: smith-2020-f1.certainty: 'medium' is not a "
                          "known certainty"]


def test_certainty_rank_orders_findings(project):
    from evidence.vocabulary import scales

    rows, _ = rows_and_messages()
    assert rows["findings"][0]["certainty_rank"] == scales().terms("certainty")["low"]["rank"]
    project.edit("      certainty: low\n", "")
    rows, _ = rows_and_messages()
    assert rows["findings"][0]["certainty_rank"] == 0  # not GRADE-rated: below every certainty


def test_a_source_row_has_exactly_its_columns(project):
    project.edit("  pmid = {12345678},", "  pmid = {12345678},\n  pmcid = {PMC123456},", "references.bib")
    rows, _ = rows_and_messages()
    assert set(rows["sources"][0]) == {"id", "citation_key", "design", "status", "note", "conditions",
                                       "intervention_types", "title", "authors", "journal", "doi", "pmid", "pmcid",
                                       "year", "bibtex", "label"}
    assert rows["sources"][0]["pmcid"] == "PMC123456"


def test_unknown_fields_are_suggested_only_when_close(project):
    # difflib ratio of 'dirn' and 'direction' is 0.615, below the 0.7 asked for: no suggestion
    text = project.edit("      certainty: low\n", "      certainty: low\n      dirn: x\n")
    assert messages() == [f"data/studies.yaml:{line_of(text, 'dirn')}: smith-2020-f1.dirn: unknown field"]


def test_a_source_with_errors_does_not_stop_the_next_one(project):
    other = VALID.replace("- id: smith-2020", "- id: jones-2021").replace("citation_key: smith2020",
                                                                          "citation_key: jones2021")
    text = VALID.replace("  status: included\n", "  status: included\n  note: [1]\n") + other
    project.write("studies.yaml", text)
    assert messages() == [f"data/studies.yaml:{line_of(text, 'note:')}: smith-2020.note: Input should be a valid string "
                          "(got [1])",
                          f"data/studies.yaml:{line_of(text, 'jones2021')}: jones-2021.citation_key: 'jones2021' is not "
                          "in the bibliography"]


def test_economic_evaluations_link_repeats_too(project):
    evaluation = EVALUATION.replace("return_to_work_condition", "cancer")
    text = project.edit("  findings:\n", evaluation.replace("      quote: kosteneffectief\n",
                        "      quote: kosteneffectief\n      same_result_as: smith-2020-e1\n") + "  findings:\n")
    assert messages() == [f"data/studies.yaml:{line_of(text, 'same_result_as')}: smith-2020-e1.same_result_as: "
                          "'smith-2020-e1' is not another record of the same kind"]


def test_an_unreadable_curated_vocabulary_is_reported_once(project):
    # its file's YAML error only: not 'missing', and the values of its kind are not reported as unknown
    (project.data / "vocabulary" / "condition.yaml").write_text("cancer: [\n", encoding="utf-8")
    project.edit("condition: cancer", "condition: cancre")
    project.edit("  status: included\n", "  status: included\n  conditions: [cancre]\n")
    found = messages()
    assert len(found) == 1 and found[0].startswith("data/vocabulary/condition.yaml:2: invalid YAML")


def test_missing_curated_vocabularies_beside_the_ones_found(project):
    for kind in ("document", "intervention_type", "outcome"):
        (project.data / "vocabulary" / f"{kind}.yaml").unlink()
    assert [m for m in messages() if "curated vocabulary" in m] == [
        f"data/vocabulary/{kind}.yaml:1: the curated vocabulary '{kind}' is missing"
        for kind in ("document", "intervention_type", "outcome")]


def test_without_any_curated_vocabulary_the_folder_is_reported_once(project):
    import shutil

    shutil.rmtree(project.data / "vocabulary")
    found = messages()
    assert "data/vocabulary:1: no curated vocabularies found (data/vocabulary/<kind>.yaml for condition, document, " \
           "intervention_type, outcome)" in found
    assert not any("is missing" in m for m in found)  # not once more per vocabulary
