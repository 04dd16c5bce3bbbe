"""The schema, defined once.

SQLModel classes define the SQLite tables (``table=True``) and the YAML records curators write (the
``*In`` classes, validated by pydantic). Field descriptions become the column descriptions in
``metadata.yml``; a field's vocabulary (``vocab(...)``) names the vocabulary (evidence/scales.yaml or
data/vocabulary/) that the
validator checks it against. Adding a field here adds it to the YAML, the table, the metadata and
the exports.

Column order follows pydantic's field order, parents first, so mixins are listed right-to-left in the
order the columns should appear (``class Finding(FindingFields, FindingKey)`` puts the key first).
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import AfterValidator, AllowInfNan, BeforeValidator, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError
import sqlalchemy as sa
import sqlalchemy.dialects.sqlite
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .languages import add_names

# Patterns are pydantic types: SQLModel's Field(regex=...) is silently ignored under pydantic 2.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
LocalId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _not_bool(value: Any) -> Any:
    """YAML reads yes/no/true/false as booleans, which pydantic would take as 1 and 0."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_is_not_a_number", "a number is needed, not true or false")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank_text", "required text is empty")
    return value


def _whole_number(value: Any) -> Any:
    """A study's count is a whole number as YAML writes one: not true/false, not '10', not 10.0."""
    _not_bool(value)
    if not isinstance(value, int):
        raise PydanticCustomError("count_is_not_a_whole_number", "a whole number is needed")
    return value


# Numbers: a bool is not a count, and NaN and infinity (.nan, .inf, 'NaN', 1e309) are not values.
Count = Annotated[int, BeforeValidator(_not_bool)]
StudyCount = Annotated[int, BeforeValidator(_whole_number)]  # study-level data: pooled, so nothing coerced
Number = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False)]
# Required text: not empty, not only whitespace (kept as written otherwise).
Text = Annotated[str, AfterValidator(_not_blank)]


def vocab(kind: str, description: str, *, required: bool = True, default: Any = None, **kwargs: Any) -> Any:
    """A field whose values come from the controlled vocabulary ``kind``; always indexed (a facet)."""
    return Field(
        default=... if required else default,
        description=description,
        index=True,
        schema_extra={"json_schema_extra": {"vocabulary": kind}},
        **kwargs,
    )


def vocabulary_of(model: type[SQLModel], field: str) -> Optional[str]:
    extra = model.model_fields[field].json_schema_extra
    return extra.get("vocabulary") if isinstance(extra, dict) else None


class Strict(SQLModel):
    """Curated YAML records: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# --- provenance, shared by findings and economic evaluations -------------------------------------


class Provenance(Strict):
    statement_translated: bool = Field(
        default=False,
        description="True when the statement is an English translation of a Dutch quote.",
    )
    source_document: str = vocab(
        "document", "The document the quote was read in (see the documents table).", foreign_key="documents.id"
    )
    source_locator: Text = Field(description="Where in that document: page, slide or section heading.")
    quote: Text = Field(description="Verbatim quote from the source document that supports this row.")
    quote_language: str = vocab("language", "Language of the quote (en, nl).", required=False, default="en")
    note: Optional[str] = Field(
        default=None,
        description="Curator's note, e.g. where two sources disagree about this result.",
    )


# --- findings ------------------------------------------------------------------------------------


def _domain(name: str, fhir: str) -> Any:
    """A GRADE domain that rates down; ``fhir`` is its HL7 certainty-type code."""
    return Field(
        default=None,
        ge=-2,
        le=0,
        description=f"GRADE {name}: 0 no concern, -1 serious, -2 very serious; empty when not reported.",
        schema_extra={"json_schema_extra": {"fhir_certainty_type": fhir}},
    )


def _domain_note(name: str) -> Any:
    return Field(default=None, description=f"Footnote explaining the {name} judgement.")


def _upgrade(name: str, most: int, fhir: str) -> Any:
    """A GRADE domain that rates up; ``fhir`` is its HL7 certainty-type code."""
    return Field(
        default=None,
        ge=0,
        le=most,
        description=f"GRADE rating up for {name}: 0 to +{most}; empty when not reported.",
        schema_extra={"json_schema_extra": {"fhir_certainty_type": fhir}},
    )


class FindingBody(Strict):
    condition: str = vocab("condition", "Health condition of the population.", foreign_key="conditions.id")
    population: Text = Field(description="Who the finding is about.")
    intervention_type: str = vocab(
        "intervention_type", "Kind of intervention (controlled vocabulary).", foreign_key="intervention_types.id"
    )
    intervention: Text = Field(description="The intervention in the source's words.")
    comparator: Optional[str] = Field(default=None, description="What the intervention was compared with.")
    outcome: str = vocab("outcome", "Work outcome (controlled vocabulary).", foreign_key="outcomes.id")
    timepoint: Optional[str] = Field(default=None, description="Follow-up as the source words it.")
    follow_up_months_min: Optional[Number] = Field(
        default=None, ge=0, description="Shortest follow-up covered, in months (converted where the source gives weeks or days)."
    )
    follow_up_months_max: Optional[Number] = Field(
        default=None, ge=0, description="Longest follow-up covered, in months (converted where the source gives weeks or days)."
    )
    certainty: Optional[str] = vocab(
        "certainty",
        "GRADE certainty of the evidence; empty when the source does not GRADE-rate it.",
        required=False,
    )
    direction: str = vocab("direction", "What the evidence shows: benefit, harm, little or no difference, …")
    statement: Text = Field(description="The conclusion in words (GRADE informative statement where rated).")
    effect_measure: Optional[str] = vocab("effect_measure", "RR, OR, HR, SMD or MD.", required=False)
    effect: Optional[Number] = Field(default=None, description="Point estimate of the effect.")
    ci_lower: Optional[Number] = Field(default=None, description="Lower bound of the 95% confidence interval.")
    ci_upper: Optional[Number] = Field(default=None, description="Upper bound of the 95% confidence interval.")
    # upper bounds keep every count inside SQLite's 64-bit INTEGER (and catch typos)
    studies_n: Optional[Count] = Field(default=None, ge=0, le=1_000_000, description="Number of studies behind the estimate.")
    participants_n: Optional[Count] = Field(default=None, ge=0, le=1_000_000_000, description="Number of participants.")
    effect_source_document: Optional[str] = vocab(
        "document", "The document the effect estimate was read in.", required=False, foreign_key="documents.id"
    )
    effect_source_locator: Optional[str] = Field(
        default=None, description="Table or section of that document (e.g. Cochrane SoF table 1)."
    )
    effect_quote: Optional[str] = Field(default=None, description="Verbatim text the effect estimate was read from.")
    evidence_design: Optional[str] = vocab(
        "evidence_design",
        "Design of the body of evidence (randomised or not): GRADE's starting level.",
        required=False,
    )
    risk_of_bias: Optional[Count] = _domain("risk of bias", "RiskOfBias")
    risk_of_bias_note: Optional[str] = _domain_note("risk of bias")
    inconsistency: Optional[Count] = _domain("inconsistency", "Inconsistency")
    inconsistency_note: Optional[str] = _domain_note("inconsistency")
    indirectness: Optional[Count] = _domain("indirectness", "Indirectness")
    indirectness_note: Optional[str] = _domain_note("indirectness")
    imprecision: Optional[Count] = _domain("imprecision", "Imprecision")
    imprecision_note: Optional[str] = _domain_note("imprecision")
    publication_bias: Optional[Count] = _domain("publication bias", "PublicationBias")
    publication_bias_note: Optional[str] = _domain_note("publication bias")
    large_effect: Optional[Count] = _upgrade("a large effect", 2, "LargeEffect")
    dose_response: Optional[Count] = _upgrade("a dose-response gradient", 1, "DoseResponseGradient")
    plausible_confounding: Optional[Count] = _upgrade("plausible confounding", 1, "PlausibleConfounding")
    comparator_risk: Optional[Number] = Field(
        default=None, ge=0, le=1000,
        description="Assumed risk with the comparator, per 1000 (as printed in a Summary-of-Findings table).",
    )
    comparator_risk_source_document: Optional[str] = vocab(
        "document", "The document the comparator risk was read in.", required=False, foreign_key="documents.id"
    )
    comparator_risk_source_locator: Optional[str] = Field(default=None, description="Where in that document.")
    comparator_risk_quote: Optional[str] = Field(default=None, description="Verbatim text the comparator risk was read from.")
    pooling_method: Optional[str] = vocab(
        "pooling_method", "How the build pools the study-level results (default REML).", required=False
    )
    same_result_as: Optional[str] = Field(
        default=None,
        description="Id of the finding that records the same result from another document; counted once, there.",
    )
    grade_assessor: Optional[str] = Field(default=None, description="Who did the GRADE assessment, if named.")
    wording_justification: Optional[str] = Field(
        default=None,
        description="Why the statement's wording deliberately departs from the GRADE wording for its certainty.",
    )
    certainty_justification: Optional[str] = Field(
        default=None,
        description="Why the recorded certainty differs from the one computed from the domains.",
    )


class FindingFields(Provenance, FindingBody):
    """Everything a curator writes for a finding (body first, then provenance)."""


GRADE_DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
GRADE_UPGRADES = ("large_effect", "dose_response", "plausible_confounding")


class StudyIn(Strict):
    """One study's result behind a finding: binary counts, continuous arms, or an estimate with its CI or SE."""

    label: Text = Field(description="How the study is cited, e.g. Smith 2020 (unique within the finding).")
    source_id: Optional[str] = Field(default=None, description="The study's source id, where it is curated.")
    events_int: Optional[StudyCount] = Field(default=None, ge=0, description="Events in the intervention arm.")
    n_int: Optional[StudyCount] = Field(default=None, ge=1, description="Participants in the intervention arm.")
    events_ctl: Optional[StudyCount] = Field(default=None, ge=0, description="Events in the control arm.")
    n_ctl: Optional[StudyCount] = Field(default=None, ge=1, description="Participants in the control arm.")
    mean_int: Optional[Number] = Field(default=None, description="Mean in the intervention arm.")
    sd_int: Optional[Number] = Field(default=None, gt=0, description="Standard deviation in the intervention arm.")
    mean_ctl: Optional[Number] = Field(default=None, description="Mean in the control arm.")
    sd_ctl: Optional[Number] = Field(default=None, gt=0, description="Standard deviation in the control arm.")
    estimate: Optional[Number] = Field(default=None, description="The study's estimate on the measure's scale.")
    ci_lower: Optional[Number] = Field(default=None, description="Lower bound of its 95% CI.")
    ci_upper: Optional[Number] = Field(default=None, description="Upper bound of its 95% CI.")
    se: Optional[Number] = Field(default=None, gt=0, description="Its standard error (log scale for ratios).")


class FindingIn(FindingFields):
    id: LocalId = Field(description="Finding id, unique within its source (e.g. f1).")
    studies: list[StudyIn] = Field(default_factory=list, description="Study-level results, pooled at build.")


class FindingKey(SQLModel):
    id: str = Field(primary_key=True, description="Finding id: the source id and the local id, e.g. kumar-2017-f1.")
    source_id: str = Field(foreign_key="sources.id", index=True, description="The source this finding comes from.")


# The findings facets of metadata.yml (a test keeps the two equal). Each gets a covering index that
# starts with it and holds the others, so any facet under any one filter is an index-only scan:
# at 100k findings that took filtered pages from ~200 ms to ~20 ms.
FINDING_FACETS = ("condition", "certainty", "intervention_type", "outcome", "source_design")


def _facet_indexes() -> tuple[Index, ...]:
    return tuple(Index(f"ix_findings_facets_{first}", first, *(c for c in FINDING_FACETS if c != first))
                 for first in FINDING_FACETS)


class Finding(FindingFields, FindingKey, table=True):
    """One conclusion for one population × intervention × comparator × outcome × timepoint."""

    __tablename__ = "findings"
    # the default sort (metadata.yml) is condition, then id for stable pages: one index serves both. A table
    # page lists the most certain first (site/table_pages.py): filtered by condition (with or without a
    # certainty) or by certainty, its first rows are read in that order from an index instead of sorting
    # every match (at 100k findings, condition=cancer: 35-44 ms, now 0.3 ms)
    __table_args__ = (Index("ix_findings_condition_id", "condition", "id"), *_facet_indexes(),
                      Index("ix_findings_condition_most_certain", "condition", "certainty_rank", "certainty"),
                      Index("ix_findings_certainty_most_certain", "certainty", "certainty_rank"))
    source_design: str = vocab("design", "Design of the source (copied from sources for faceting).")
    source_status: str = vocab("status", "Status of the source (copied from sources, so every list can mark it).")
    certainty_rank: int = Field(
        index=True, description="Rank of the certainty on the GRADE scale (4 high … 1 very low, 0 not rated), for sorting."
    )
    intervention_family: str = Field(
        index=True, description="Family of the intervention type (its topmost parent in the vocabulary), for facets."
    )
    pooled_k: Optional[int] = Field(default=None, description="Studies pooled at build (from the study-level results).")
    pooled_effect: Optional[float] = Field(default=None, description="Pooled estimate computed at build.")
    pooled_ci_lower: Optional[float] = Field(default=None, description="Lower bound of its 95% CI.")
    pooled_ci_upper: Optional[float] = Field(default=None, description="Upper bound of its 95% CI.")
    pooled_i2: Optional[float] = Field(default=None, description="I² of the pooled studies (percent).")
    pooled_tau2: Optional[float] = Field(default=None, description="τ² of the pooled studies.")
    pooled_pi_lower: Optional[float] = Field(default=None, description="Lower bound of the 95% prediction interval.")
    pooled_pi_upper: Optional[float] = Field(default=None, description="Upper bound of the 95% prediction interval.")
    grade_suggestions: Optional[str] = Field(
        default=None, description="Possible reasons to rate down, from the pooled studies (suggestions, not judgements)."
    )
    intervention_risk: Optional[float] = Field(
        default=None, description="Anticipated risk with the intervention per 1000 (from comparator risk and effect).")
    intervention_risk_ci_lower: Optional[float] = Field(default=None, description="Lower bound, per 1000.")
    intervention_risk_ci_upper: Optional[float] = Field(default=None, description="Upper bound, per 1000.")
    risk_difference: Optional[float] = Field(default=None, description="Risk difference per 1000 (intervention − comparator).")
    risk_difference_ci_lower: Optional[float] = Field(default=None, description="Lower bound, per 1000.")
    risk_difference_ci_upper: Optional[float] = Field(default=None, description="Upper bound, per 1000.")


class StudyResult(SQLModel, table=True):
    """Each study behind a pooled finding: its data, effect with 95% CI and weight, computed at build."""

    __tablename__ = "study_results"
    finding_id: str = Field(primary_key=True, foreign_key="findings.id", description="The finding it belongs to.")
    position: int = Field(primary_key=True, description="Order of the study as curated.")
    label: str = Field(description="How the study is cited.")
    source_id: Optional[str] = Field(default=None, foreign_key="sources.id", description="Its source, where curated.")
    events_int: Optional[int] = Field(default=None, description="Events in the intervention arm.")
    n_int: Optional[int] = Field(default=None, description="Participants in the intervention arm.")
    events_ctl: Optional[int] = Field(default=None, description="Events in the control arm.")
    n_ctl: Optional[int] = Field(default=None, description="Participants in the control arm.")
    mean_int: Optional[float] = Field(default=None, description="Mean in the intervention arm.")
    sd_int: Optional[float] = Field(default=None, description="SD in the intervention arm.")
    mean_ctl: Optional[float] = Field(default=None, description="Mean in the control arm.")
    sd_ctl: Optional[float] = Field(default=None, description="SD in the control arm.")
    estimate: Optional[float] = Field(default=None, description="The study's estimate as given (generic input).")
    reported_ci_lower: Optional[float] = Field(default=None, description="Lower bound of the CI given with it.")
    reported_ci_upper: Optional[float] = Field(default=None, description="Upper bound of the CI given with it.")
    se: Optional[float] = Field(default=None, description="Its SE as given (log scale for ratios).")
    effect: Optional[float] = Field(default=None, description="The study's effect (exponentiated for ratios).")
    ci_lower: Optional[float] = Field(default=None, description="Lower bound of its 95% CI.")
    ci_upper: Optional[float] = Field(default=None, description="Upper bound of its 95% CI.")
    weight: Optional[float] = Field(default=None, description="Weight in the pooled estimate (percent); empty when left out.")
    note: Optional[str] = Field(default=None, description="Why it was left out of the pooling, where it was.")


# --- economic evaluations ------------------------------------------------------------------------


class EconomicBody(Strict):
    condition: str = vocab("condition", "Health condition of the population.", foreign_key="conditions.id")
    intervention_type: Optional[str] = vocab(
        "intervention_type", "Kind of intervention (controlled vocabulary).", required=False,
        foreign_key="intervention_types.id",
    )
    intervention: Text = Field(description="The intervention evaluated.")
    comparator: Optional[str] = Field(default=None, description="What it was compared with.")
    perspective: Optional[str] = vocab(
        "perspective", "Societal, employer or healthcare perspective.", required=False
    )
    measure: Optional[str] = vocab(
        "economic_measure", "Cost-benefit ratio, ICER, net benefit, return on investment, …", required=False
    )
    value: Optional[Number] = Field(default=None, description="The value of the measure.")
    currency: Optional[CurrencyCode] = Field(default=None, description="ISO 4217 currency of the value (EUR, GBP).")
    price_year: Optional[Count] = Field(default=None, ge=1900, le=2100, description="Price year of the costs.")
    conclusion: str = vocab("economic_conclusion", "Cost-effective, cost-saving, not cost-effective or uncertain.")
    same_result_as: Optional[str] = Field(
        default=None,
        description="Id of the evaluation that records the same result from another document; counted once, there.",
    )
    statement: Text = Field(description="The result in words (English).")


class EconomicFields(Provenance, EconomicBody):
    """Everything a curator writes for an economic evaluation."""


class EconomicIn(EconomicFields):
    id: LocalId = Field(description="Evaluation id, unique within its source (e.g. e1).")


class EconomicKey(SQLModel):
    id: str = Field(primary_key=True, description="Evaluation id: the source id and the local id.")
    source_id: str = Field(foreign_key="sources.id", index=True, description="The source of this evaluation.")


class EconomicEvaluation(EconomicFields, EconomicKey, table=True):
    """Cost-effectiveness and cost-benefit results."""

    __tablename__ = "economic_evaluations"


# --- sources -------------------------------------------------------------------------------------


class SourceFields(Strict):
    citation_key: Text = Field(description="BibTeX key of the source in references.bib.")
    design: str = vocab("design", "Cochrane review, systematic review, RCT, protocol, report, …")
    status: str = vocab("status", "Included, awaiting classification, ongoing, excluded or related.")
    note: Optional[str] = Field(default=None, description="Curator's note about the source.")


class SourceIn(SourceFields):
    id: Slug = Field(description="Source id: first author and year, e.g. hegewald-2019.")
    conditions: list[str] = Field(
        default_factory=list, description="Conditions covered beyond those of the source's findings."
    )
    intervention_types: list[str] = Field(
        default_factory=list, description="Intervention types studied beyond those of the source's findings."
    )
    findings: list[FindingIn] = Field(default_factory=list)
    economic_evaluations: list[EconomicIn] = Field(default_factory=list)


class SourceKey(SQLModel):
    id: str = Field(primary_key=True, description="Source id: first author and year, e.g. hegewald-2019.")
    label: str = Field(description="How the source is cited in text, e.g. Hegewald 2019.")


class Source(SourceFields, SourceKey, table=True):
    """One review, trial, report or protocol, with its bibliographic record from references.bib."""

    __tablename__ = "sources"
    title: Optional[str] = Field(default=None, description="Title (from references.bib).")
    authors: Optional[str] = Field(default=None, description="Authors (from references.bib).")
    year: Optional[int] = Field(default=None, index=True, description="Year of publication (from references.bib).")
    journal: Optional[str] = Field(default=None, description="Journal or publisher (from references.bib).")
    doi: Optional[str] = Field(default=None, description="DOI (from references.bib); empty when unknown.")
    pmid: Optional[str] = Field(default=None, description="PubMed id (from references.bib); empty when unknown.")
    pmcid: Optional[str] = Field(default=None, description="PubMed Central id (from references.bib); empty when unknown.")
    conditions: str = Field(description="JSON list of the condition ids this source covers.")
    intervention_types: str = Field(description="JSON list of the intervention types this source studies.")
    bibtex: Optional[str] = Field(default=None, description="The source's entry as written in references.bib.")


# --- the guideline: questions, recommendations, considerations ------------------------------------


class GuidelineProvenance(Strict):
    source_document: Optional[str] = vocab(
        "document", "The document the quote was read in (the question's document when not given).", required=False,
        foreign_key="documents.id",
    )
    source_locator: str = Field(description="Where in that document: module, section and sub-heading.")
    quote: str = Field(description="Verbatim quote from the source document.")
    note: Optional[str] = Field(default=None, description="Curator's note.")


class RecommendationFields(GuidelineProvenance):
    audience: str = vocab("audience", "Whom the recommendation addresses.")
    kind: str = vocab("recommendation_kind", "Recommendation, policy recommendation or good-practice statement.")
    text: str = Field(description="The recommendation as printed (Dutch, verbatim).")
    text_en: Optional[str] = Field(default=None, description="English translation by the curators (not in the source).")
    strength: Optional[str] = vocab(
        "recommendation_strength", "GRADE strength, only where the source states it.", required=False
    )
    direction: Optional[str] = vocab(
        "recommendation_direction", "For or against, only where the source states it.", required=False
    )
    evidence_basis: Optional[str] = vocab(
        "evidence_basis", "What the recommendation rests on when not on evidence, where the source says so.",
        required=False,
    )
    evidence_basis_quote: Optional[str] = Field(default=None, description="Verbatim text that says so.")


ListItems = list[Union[str, list[Union[str, list[Union[str, list[Union[str, list[str]]]]]]]]]  # up to five levels deep


class RecommendationIn(RecommendationFields):
    id: LocalId = Field(description="Recommendation id, unique within its question (e.g. r1).")
    items: Optional[ListItems] = Field(default=None, description="The text as the nested list it is printed as: a "
                                                                 "string is an item, a list the items under the one before.")


class ConsiderationFields(GuidelineProvenance):
    criterion: str = vocab("criterion", "What kind of consideration it is: an Evidence-to-Decision criterion or a part "
                                        "of a Dutch module (practical information, scope, justification, research needs).")
    heading: Optional[str] = Field(default=None, description="The sub-heading it is printed under (Dutch, as printed), "
                                                              "if any; considerations are shown in source order under it.")
    summary_en: Optional[str] = Field(default=None, description="English summary by the curators (not in the source).")


class ConsiderationIn(ConsiderationFields):
    id: LocalId = Field(description="Consideration id, unique within its question (e.g. c1).")
    items: Optional[ListItems] = Field(default=None, description="The quote as the nested list it is printed as (a "
                                                                 "checklist, a list of questions).")


class ModuleTextFields(GuidelineProvenance):
    kind: str = vocab("module_text", "What part of the module's justification it is (background, search and "
                                     "selection, studies awaiting classification, research needs).")
    heading: Optional[str] = Field(default=None, description="The heading it is printed under (as printed), if any.")
    summary_en: Optional[str] = Field(default=None, description="English summary by the curators (not in the source).")


class ModuleTextIn(ModuleTextFields):
    id: LocalId = Field(description="Id, unique within its question (e.g. l1).")


class TaskFields(Strict):
    task: str = Field(description="Taak/activiteit: the task, as printed (Dutch).")
    subtask: str = Field(description="Deeltaken/rollen: the sub-task or role, as printed (Dutch).")
    source_locator: str = Field(description="Where in the question's document: module, section and table.")
    note: Optional[str] = Field(default=None, description="Curator's note.")


class TaskIn(TaskFields):
    expertise: list[str] = Field(default_factory=list, description="Expertise/competenties: the cell's items, as printed.")
    tools: list[str] = Field(default_factory=list, description="Informatie/tools, bijvoorbeeld: the cell's items, as printed.")


class QuestionFields(Strict):
    module: str = Field(description="Title of the guideline module (Dutch, as printed).")
    module_en: Optional[str] = Field(default=None, description="English translation of the module title (curators').")
    question: str = Field(description="The clinical question (Uitgangsvraag), Dutch, verbatim.")
    question_en: Optional[str] = Field(default=None, description="English translation of the question (curators').")
    last_assessed: Optional[str] = Field(default=None, description="Date the module was last assessed (ISO 8601).")
    last_authorised: Optional[str] = Field(default=None, description="Date the module was last authorised (ISO 8601).")
    source_document: str = vocab("document", "The document the question was read in.", foreign_key="documents.id")
    source_locator: str = Field(description="Where in that document.")
    quote: str = Field(description="The question as printed, verbatim.")
    note: Optional[str] = Field(default=None, description="Curator's note.")
    parent: Optional[str] = Field(default=None, foreign_key="questions.id", index=True,
                                  description="The module this is a sub-module of; a sub-module shares its parent's "
                                              "question, recommendations and literature summary and has its own "
                                              "considerations.")
    overall_certainty: Optional[str] = vocab("certainty", "The overall certainty of the module's evidence, only where the "
                                                          "source states it.", required=False)
    overall_certainty_quote: Optional[str] = Field(default=None, description="Verbatim text that states it.")
    tasks_after: Optional[str] = Field(default=None, description="The consideration (local id, e.g. c3) the module's "
                                                                 "task table is printed after.")


class QuestionIn(QuestionFields):
    id: LocalId = Field(description="Question id (q1 … q6, in module order).")
    findings: list[str] = Field(default_factory=list, description="Ids of the conclusions in the module's literature "
                                                                  "summary (Onderbouwing > Conclusies).")
    recommendations: list[RecommendationIn] = Field(default_factory=list)
    considerations: list[ConsiderationIn] = Field(default_factory=list)
    tasks: list[TaskIn] = Field(default_factory=list, description="The rows of the module's task table, in order.")
    cites: list[str] = Field(default_factory=list, description="Ids of the sources its text cites beside its "
                                                               "conclusions (considerations, search, references).")
    literature: list[ModuleTextIn] = Field(default_factory=list, description="The module's justification beside its "
                                                                             "conclusions (Onderbouwing), in source order.")


class Question(QuestionFields, table=True):
    """The guideline's clinical questions (Uitgangsvragen), one per module, in module order."""

    __tablename__ = "questions"
    id: str = Field(primary_key=True, description="Question id (q1 … q6, in module order).")
    position: int = Field(description="Order of the module in the guideline.")


class Recommendation(RecommendationFields, table=True):
    """The guideline's recommendations, each with its audience and verbatim text."""

    __tablename__ = "recommendations"
    items: Optional[str] = Field(default=None, description="JSON: the text as the nested list it is printed as (a "
                                                           "string is an item, a list the items under the one before).")
    id: str = Field(primary_key=True, description="Question id and local id, e.g. q2-r1.")
    question_id: str = Field(foreign_key="questions.id", index=True, description="The question it answers.")
    position: int = Field(description="Order within its question, as printed.")


class Consideration(ConsiderationFields, table=True):
    """The considerations (Overwegingen) behind each question's recommendations, by EtD criterion."""

    __tablename__ = "considerations"
    items: Optional[str] = Field(default=None, description="JSON: the quote as the nested list it is printed as (a "
                                                           "checklist, a list of questions).")
    id: str = Field(primary_key=True, description="Question id and local id, e.g. q2-c1.")
    question_id: str = Field(foreign_key="questions.id", index=True, description="The question it belongs to.")
    position: int = Field(description="Order within its question, as printed.")


class QuestionFinding(SQLModel, table=True):
    """The conclusions in each module's literature summary. The guideline attaches them to the module, not
    to a recommendation: what a recommendation itself rests on is its evidence basis."""

    __tablename__ = "question_findings"
    question_id: str = Field(primary_key=True, foreign_key="questions.id", description="The module.")
    finding_id: str = Field(primary_key=True, foreign_key="findings.id", index=True,
                            description="A conclusion in its literature summary.")
    position: int = Field(default=0, description="Order in the literature summary, as printed.")


class QuestionCitation(SQLModel, table=True):
    """The works a module's text cites beside its conclusions (in its considerations, its search and its
    reference list), in the order it cites them."""

    __tablename__ = "question_citations"
    question_id: str = Field(primary_key=True, foreign_key="questions.id", description="The module.")
    source_id: str = Field(primary_key=True, foreign_key="sources.id", index=True, description="A source it cites.")
    position: int = Field(description="Order of first citation in the module.")


class ModuleText(ModuleTextFields, table=True):
    """A module's justification beside its conclusions (Onderbouwing): background, how the literature was
    searched and selected, studies awaiting classification, research needs."""

    __tablename__ = "module_texts"
    id: str = Field(primary_key=True, description="Question id and local id, e.g. q2-l1.")
    question_id: str = Field(foreign_key="questions.id", index=True, description="The module it belongs to.")
    position: int = Field(description="Order within its module, as printed.")


class ModuleTask(TaskFields, table=True):
    """The rows of a module's task table (module 6: per task its sub-tasks, the expertise and competences
    they need and suggested information and tools), cell by cell as printed."""

    __tablename__ = "module_tasks"
    id: str = Field(primary_key=True, description="Question id and row number, e.g. q6-t1.")
    question_id: str = Field(foreign_key="questions.id", index=True, description="The module whose table it is.")
    position: int = Field(description="Row order in the table, as printed.")
    expertise: str = Field(description="Expertise/competenties: JSON list of the cell's items, as printed.")
    tools: str = Field(description="Informatie/tools, bijvoorbeeld: JSON list of the cell's items, as printed.")
    source_document: str = Field(foreign_key="documents.id", description="The document the table was read in.")


GUIDELINE_TABLES: tuple[type[SQLModel], ...] = (Question, Recommendation, Consideration, QuestionFinding, ModuleTask,
                                                ModuleText, QuestionCitation)


# --- reference tables ----------------------------------------------------------------------------


class TermFields(SQLModel):
    """A term of a controlled vocabulary as a table of its own, so facets and links show its names."""

    id: str = Field(primary_key=True, description="The value stored in the data (slug).")
    name: str = Field(description="English name.")
    add_names(locals(), str, lambda language: Field(description=f"{language} name."))  # name_<code> for each language (evidence/languages/)
    label: str = Field(description="English name with the Dutch one beside it, as shown in facets and links.")
    description: Optional[str] = Field(default=None, description="What the term covers.")
    parent: Optional[str] = Field(default=None, description="The broader term it belongs to, if any.")
    family: str = Field(description="Its topmost broader term (itself when it has none).")


class Condition(TermFields, table=True):
    """Health conditions, with English and Dutch names (from data/vocabulary/)."""

    __tablename__ = "conditions"
    __vocabulary__ = "condition"


class InterventionType(TermFields, table=True):
    """Kinds of intervention, with English and Dutch names (from data/vocabulary/)."""

    __tablename__ = "intervention_types"
    __vocabulary__ = "intervention_type"


class Outcome(TermFields, table=True):
    """Work outcomes, with English and Dutch names (from data/vocabulary/)."""

    __tablename__ = "outcomes"
    __vocabulary__ = "outcome"


class Document(TermFields, table=True):
    """The documents quotes were read in: the source documents and the published papers' abstracts."""

    __tablename__ = "documents"
    __vocabulary__ = "document"


TERM_TABLES: tuple[type[TermFields], ...] = (Condition, InterventionType, Outcome, Document)


class Term(SQLModel, table=True):
    """Every controlled vocabulary with its labels and attributes (evidence/scales.yaml, data/vocabulary/)."""

    __tablename__ = "vocabulary"
    kind: str = Field(primary_key=True, description="Which vocabulary: certainty, outcome, intervention_type, …")
    id: str = Field(primary_key=True, description="The value stored in the data.")
    name: str = Field(description="English label.")
    add_names(locals(), str, lambda language: Field(description=f"{language} label."))
    label: str = Field(description="English name with the Dutch one beside it.")
    description: Optional[str] = Field(default=None, description="What the term means.")
    parent: Optional[str] = Field(default=None, description="The broader term of the same kind, if any.")
    rank: Optional[int] = Field(default=None, description="Order of the term on its scale: higher sorts first.")
    symbol: Optional[str] = Field(default=None, description="Symbol shown for the term (GRADE ⊕).")
    colour: Optional[str] = Field(default=None, description="Text colour for the term (CSS).")
    background: Optional[str] = Field(default=None, description="Background colour for the term (CSS).")
    fhir_code: Optional[str] = Field(default=None, description="HL7 FHIR code of the term.")
    fhir_display: Optional[str] = Field(default=None, description="HL7 FHIR display text of the code.")
    fhir_system: Optional[str] = Field(default=None, description="HL7 FHIR code system, where not the scale's own.")
    grade_start: Optional[str] = Field(default=None, description="Certainty a body of evidence of this design starts at.")
    pending: bool = Field(default=False, description="A status whose studies have no results yet.")
    in_overviews: bool = Field(default=False, description="Findings of sources with this status count in overviews.")
    scale: Optional[str] = Field(default=None, description="ratio or difference, for effect measures.")
    footnote: Optional[str] = Field(default=None, description="How a Summary-of-Findings footnote words this rating.")
    desirable: Optional[str] = Field(default=None, description="higher or lower: which way an outcome is better.")
    synonyms: Optional[str] = Field(default=None, description="Other words for the term, in any language (separated by '; '): search finds the term's records by them.")
    wording: Optional[str] = Field(default=None, description="The informative-statement wording GRADE expects at this certainty.")
    wording_needs: Optional[str] = Field(default=None, description="Cues a statement at this certainty holds one of (separated by '; ').")
    wording_excludes: Optional[str] = Field(default=None, description="Cues a statement at this certainty must not hold (separated by '; ').")
    published: bool = Field(default=False, description="A document that is a published paper's abstract, not a source document.")


class ChangeFields(SQLModel):
    """What changed in one record: added, removed, or one field from its old value to its new one."""

    table_name: str = Field(index=True, description="sources, findings, economic_evaluations, recommendations, …")
    record_id: str = Field(index=True, description="Id of the record that changed.")
    change: str = Field(index=True, description="added, removed or changed.")
    field: Optional[str] = Field(default=None, description="The column that changed (for changed records).")
    old: Optional[str] = Field(default=None, description="Its value before.")
    new: Optional[str] = Field(default=None, description="Its value after.")


class ChangeKey(SQLModel):
    id: int = Field(primary_key=True, description="Order of the change in the changelog.")


class ChangeRecord(ChangeFields, ChangeKey, table=True):
    """What changed since the previous build: records added, removed, and changed field by field."""

    __tablename__ = "changes"


class HistoryKey(SQLModel):
    id: int = Field(primary_key=True, description="Order of the entry.")
    release: str = Field(index=True, description="The release the change was published in.")
    released_at: str = Field(description="Date of that release (ISO 8601).")


class HistoryRecord(ChangeFields, HistoryKey, table=True):
    """Every record's history across releases: when it was added, each field change (old → new), its removal."""

    __tablename__ = "history"


class BuildInfo(SQLModel, table=True):
    """When and from what the database was built."""

    __tablename__ = "build_info"
    id: int = Field(default=1, primary_key=True, description="Always 1: the table has one row.")
    built_at: str = Field(description="UTC time of the build (ISO 8601).")
    content_hash: str = Field(description="SHA-256 of the inputs: data files, bibliography, vocabulary, code version.")
    package_version: str = Field(description="Version of the evidence package that built the database.")
    row_counts: str = Field(description="JSON object: rows per table.")
    release: Optional[str] = Field(default=None, description="The release this database is (empty for a plain build).")
    released_at: Optional[str] = Field(default=None, description="Date of the release (ISO 8601).")


class InputBlock(SQLModel, table=True):
    """What the database was built from, block by block, so the next build re-reads only what changed.

    One row per input file (position -1, the hash of the whole file) and one per top-level block of a
    data file (a source) or of the bibliography (an entry). The hashes are SHA-256 of the raw bytes.
    """

    __tablename__ = "input_blocks"
    kind: str = Field(primary_key=True, description="code, vocabulary, guideline, data or bibliography.")
    path: str = Field(primary_key=True, description="The file, relative to the data folder (the bibliography: its name).")
    position: int = Field(primary_key=True, description="Order of the block in the file (0, 1, …); -1 for the whole file.")
    hash: str = Field(description="SHA-256 of the block's bytes.")
    record: Optional[str] = Field(default=None, description="The source id (data) or citation key (bibliography) it defines.")
    doi: Optional[str] = Field(default=None, description="The entry's DOI, lower case (bibliography), to find a DOI given twice.")


# Columns the build derives from other columns or tables (not written by curators): a change to them is
# the change of what they derive from, so changelogs and history leave them out.
DERIVED_COLUMNS: dict[str, frozenset[str]] = {
    "findings": frozenset(Finding.__table__.columns.keys()) - set(FindingFields.model_fields) - set(FindingKey.model_fields),
}

TABLES: tuple[type[SQLModel], ...] = (
    *TERM_TABLES, Term, Source, Finding, StudyResult, EconomicEvaluation, *GUIDELINE_TABLES, ChangeRecord, HistoryRecord, BuildInfo,
    InputBlock,
)


def drop_leading_indexes(table: sa.Table) -> None:
    """Drop an index whose columns lead a longer index of the table (a facet's own index beside the
    covering facet index that starts with it): SQLite uses the longer one for the same lookups, and
    every index costs the build a sort and the database its pages."""
    columns = {index: [c.name for c in index.columns] for index in table.indexes}
    for index, names in columns.items():
        if any(len(other) > len(names) and other[: len(names)] == names for other in columns.values()):
            table.indexes.discard(index)


for _model in TABLES:
    drop_leading_indexes(_model.__table__)


# --- the tables' columns, for the commands that read a database without loading this module -----------


def column_kind(column: sa.Column) -> str:
    """What a reader makes of a column: integer, float, boolean or text."""
    if isinstance(column.type, sa.Boolean):
        return "boolean"
    if isinstance(column.type, sa.Integer):
        return "integer"
    if isinstance(column.type, (sa.Float, sa.Numeric)):
        return "float"
    return "text"


def described_tables() -> dict[str, dict[str, Any]]:
    """{table: {"description": …, "columns": {column: description}}}: the classes' docstrings and field
    descriptions (metadata.yml's, the CSVW sidecars', the diff's)."""
    import inspect

    return {model.__tablename__: {"description": inspect.getdoc(model) or "",
                                  "columns": {c.name: model.model_fields[c.name].description or ""
                                              for c in model.__table__.columns}}
            for model in TABLES}


# --- what the validator's fast path reads (evidence/fast_records.py), without this module -----------------


def fast_fields(model: type[SQLModel]) -> Optional[tuple]:
    """How evidence/fast_records.py reads an input model's records: each field as (name, check, default) in
    the model's order, or None when the model must decide every record (an unknown kind of field, a
    validator of the model's own, extra fields allowed). A check is ``("text", pattern, not blank,
    optional)``, ``("int" | "float", lowest, highest, lowest excluded, highest excluded, optional)`` (None:
    no bound), ``("bool", optional)``, ``("texts",)`` or ``("records", model name)``; a default is
    ``("required",)``, ``("default", value)`` or ``("factory", "list")``."""
    decorators = model.__pydantic_decorators__
    if (model.model_config.get("extra") != "forbid" or decorators.model_validators or decorators.field_validators
            or decorators.validators or decorators.root_validators):
        return None
    fields = []
    for name, info in model.model_fields.items():
        check = None if info.alias or info.validation_alias else _fast_check(info.annotation, info.metadata)
        if check is None:
            return None
        if info.is_required():
            default: tuple = ("required",)
        elif info.default_factory is not None:
            if info.default_factory is not list:
                return None
            default = ("factory", "list")
        elif type(info.default) not in (type(None), bool, int, float, str):
            return None  # a mutable or unusual default: not copied there
        else:
            default = ("default", info.default)
        fields.append((name, check, default))
    return tuple(fields)


def _fast_check(annotation: Any, metadata: list) -> Optional[tuple]:
    """A field's check for the fast path, from its annotation and metadata (None: a kind it does not read)."""
    import types
    import typing

    import annotated_types

    optional = False
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        optional, annotation = True, args[0]
    if typing.get_origin(annotation) is Annotated:
        annotation, *inner = typing.get_args(annotation)
        metadata = [*inner, *metadata]
    bounds, pattern, not_blank, not_bool = [], None, False, False
    for m in metadata:
        if type(m).__name__ == "FieldInfoMetadata":
            continue
        if isinstance(m, (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)):
            bounds.append(m)
        elif isinstance(m, StringConstraints) and m.pattern and not any(
                getattr(m, k) for k in ("strip_whitespace", "to_upper", "to_lower", "strict", "min_length",
                                        "max_length", "ascii_only")):
            pattern = m.pattern
        elif isinstance(m, AfterValidator) and m.func is _not_blank:
            not_blank = True
        elif isinstance(m, BeforeValidator) and m.func is _not_bool:
            not_bool = True
        elif isinstance(m, BeforeValidator) and m.func is _whole_number:
            if annotation is not int:
                return None
            not_bool = True  # an int and nothing else (not a bool, '10' or 10.0): what an "int" check takes
        elif isinstance(m, AllowInfNan) and not m.allow_inf_nan:
            pass  # a known rule: the fast path never takes a non-finite float (the model decides those)
        else:
            return None  # a rule the fast path does not know
    if annotation is str and not bounds:
        return ("text", pattern, not_blank, optional)
    if pattern or not_blank:
        return None
    if annotation in (int, float):
        low, high, low_open, high_open = None, None, False, False
        for b in bounds:
            if isinstance(b, annotated_types.Ge):
                low = b.ge
            elif isinstance(b, annotated_types.Gt):
                low, low_open = b.gt, True
            elif isinstance(b, annotated_types.Le):
                high = b.le
            else:
                high, high_open = b.lt, True
        return (annotation.__name__, low, high, low_open, high_open, optional)
    if annotation is bool and not bounds and not not_bool:
        return ("bool", optional)
    if typing.get_origin(annotation) is list and not bounds and not not_bool and not optional:
        (item,) = typing.get_args(annotation)
        if item is str:
            return ("texts",)
        if isinstance(item, type) and issubclass(item, SQLModel) and fast_fields(item) is not None:
            return ("records", item.__name__)
    return None


def fast_models() -> dict[str, Optional[tuple]]:
    """Every input model a source record holds (the source's, and the records nested in it, at any depth),
    by name, with its ``fast_fields``."""
    import typing

    found: dict[str, Optional[tuple]] = {}
    waiting: list[type[SQLModel]] = [SourceIn]
    while waiting:
        model = waiting.pop(0)
        if model.__name__ not in found:
            found[model.__name__] = fast_fields(model)
            for info in model.model_fields.values():
                item = typing.get_args(info.annotation)[0] if typing.get_origin(info.annotation) is list else None
                if isinstance(item, type) and issubclass(item, SQLModel):
                    waiting.append(item)
    return found


def columns_module() -> str:
    """The text of evidence/columns.py: every table's columns with their kinds and descriptions, its primary
    key and description, and the GRADE domain columns, generated from the classes above
    (tests/test_one_home.py fails when the file is not this text)."""
    lines = ['"""Generated from evidence/schema.py by `evidence metadata`: do not edit.',
             "",
             "Every table's columns in order with their kinds (integer, float, boolean, text), its primary key, and the",
             "table and column descriptions: what `evidence export`, the read layer, metadata.yml and `evidence diff`",
             'need, without loading SQLModel and pydantic (half a second of a command\'s start-up)."""', "",
             "COLUMNS = {"]
    for model in TABLES:
        lines.append(f"    {model.__tablename__!r}: (")
        lines += [f"        ({c.name!r}, {column_kind(c)!r})," for c in model.__table__.columns]
        lines.append("    ),")
    lines += ["}", "", "PRIMARY_KEYS = {"]
    for model in TABLES:
        key = "".join(f"{c.name!r}, " for c in model.__table__.primary_key.columns)
        lines.append(f"    {model.__tablename__!r}: ({key.rstrip()}),")
    lines += ["}", "", "DESCRIPTIONS = {  # table: its description, and each column's"]
    for table, described in described_tables().items():
        lines.append(f"    {table!r}: {{")
        lines.append(f"        \"description\": {described['description']!r},")
        lines.append("        \"columns\": {")
        lines += [f"            {column!r}: {text!r}," for column, text in described["columns"].items()]
        lines += ["        },", "    },"]
    lines += ["}", "", "# the GRADE domains and upgrades: the finding's columns that rate its certainty",
              f"GRADE_DOMAINS = {GRADE_DOMAINS!r}", f"GRADE_UPGRADES = {GRADE_UPGRADES!r}", "",
              "# each table's columns whose values are vocabulary terms", "TERM_COLUMNS = {"]
    for model in TABLES:
        terms = "".join(f"{c.name!r}, " for c in model.__table__.columns
                        if c.name in model.model_fields and vocabulary_of(model, c.name))
        if terms:
            lines.append(f"    {model.__tablename__!r}: ({terms.rstrip()}),")
    lines += ["}", "", "# the tables with a foreign key", "LINKED = ("]
    lines += [f"    {model.__tablename__!r}," for model in TABLES if model.__table__.foreign_keys]
    lines += [")", "", "# the columns the build derives from others (changelogs and history leave them out)",
              "DERIVED_COLUMNS = {"]
    lines += [f"    {table!r}: frozenset({sorted(columns)!r})," for table, columns in DERIVED_COLUMNS.items()]
    lines += ["}", "", "# the input models a source record holds: what the validator's fast path reads of each field",
              "# (evidence/fast_records.py; schema.fast_fields says how), and the vocabulary each field's values are from",
              "RECORDS = {"]
    models = fast_models()
    for name, fields in models.items():
        if fields is None:
            lines.append(f"    {name!r}: None,")
        else:
            lines += [f"    {name!r}: (", *(f"        {field!r}," for field in fields), "    ),"]
    lines += ["}", "", "VOCABULARY_FIELDS = {"]
    for name in models:
        model = globals()[name]
        pairs = "".join(f"({field!r}, {kind!r}), " for field in model.model_fields if (kind := vocabulary_of(model, field)))
        lines.append(f"    {name!r}: ({pairs.rstrip()}),")
    lines += ["}", ""]
    return "\n".join(lines)
