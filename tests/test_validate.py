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
    from evidence.inputs import BibEntry

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
