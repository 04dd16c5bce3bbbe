"""HL7 FHIR R5 Bundle meeting the profiles of the R5-based release of the HL7 EBM implementation guide
(v1.0.0-ballot, STU1 ballot 1, January 2024) that each resource declares, with the version
(``…/comparative-evidence|1.0.0-ballot``). The whole mapping is in this module, so an R6 export can follow.

- a finding is an Evidence: comparative-evidence when it compares (a comparator is recorded, or it carries
  an effect estimate, which is comparative by definition), non-comparative-evidence otherwise; also
  single-study-evidence or evidence-synthesis-evidence where its synthesis type is known. Its study design
  is coded with the SEVCO codes the vocabulary gives the design (scales.yaml ``fhir_code``).
- a source is a Citation; an outcome an EvidenceVariable the Evidence's outcome variable intends (no
  variable-definition profile: that wants a variable ``handling`` the data does not record).
- a Summary-of-Findings table is a Composition of the summary-of-findings profile.
- a recommendation is a Composition of the recommendation profile, derived from its
  recommendation-justification (an ArtifactAssessment holding the statement, the recommendation's own
  evidence basis and its module's considerations). A recommendation relates to no Evidence unless the data
  records that Evidence as the recommendation's own basis: the guideline attaches its conclusions to the
  module's literature summary, so they are listed by the module's Composition (evidence-report profile).
- an economic evaluation is an Evidence with no IG profile (R5 and the IG have no economic evaluation).

GRADE domain codes come from the schema (fhir_certainty_type), rating, statistic-type and design codes
from the vocabulary (fhir_code); the IG's own codes (its code system 179423 on fevir.net) are below.
"""

from __future__ import annotations

import functools
import html
import json
import re
import sqlite3
import uuid
from typing import IO, Any, Iterator, Optional

from ..presenter import DOMAINS_NOT_REPORTED, domains_reported, present
from ..read import Filters, records, select, source_ids, sql
from ..vocabulary import scales, terms
from . import Format, Output, register, text

CODE_SYSTEMS = {  # as R5 core and the EBM IG's R5 examples use them
    "ebm-ig": "https://fevir.net/resources/CodeSystem/179423",
    "study-design": "http://hl7.org/fhir/study-design",  # SEVCO, as in R5 core
    "synthesis-type": "http://terminology.hl7.org/CodeSystem/synthesis-type",
    "certainty-type": "http://hl7.org/fhir/certainty-type",
    "certainty-rating": "http://hl7.org/fhir/certainty-rating",
    "statistic-type": "http://terminology.hl7.org/CodeSystem/statistic-type",
    "attribute-estimate-type": "http://terminology.hl7.org/CodeSystem/attribute-estimate-type",
    "variable-role": "http://terminology.hl7.org/CodeSystem/variable-role",
}
UPGRADE_CODES = {"LargeEffect", "DoseResponseGradient", "PlausibleConfounding"}  # rated present/absent
IG = "http://hl7.org/fhir/uv/ebm/StructureDefinition/"
IG_VERSION = "1.0.0-ballot"
ROLE_CODE = IG + "variable-definition-variable-role-code"
COMPARATOR_CATEGORY = IG + "variable-definition-comparator-category"
ROLE_TEXT = "Use extension:variableRoleCode instead."  # the text the IG fixes beside the role code
NO_COMPARATOR = "not stated in the source"
NAMESPACE = uuid.UUID("6f1d4c1e-5d2b-4d55-9a64-7b0c1f0e2a10")  # fixed, so bundles are reproducible


def concept(system: str, code: str, display: Optional[str] = None) -> dict:
    coding = {"system": CODE_SYSTEMS[system], "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def fhir_id(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", value)[:64]


def full_url(kind: str, value: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{value}')}"


def profile(name: str) -> str:
    """An IG profile's canonical URL with the IG version it is met in."""
    return f"{IG}{name}|{IG_VERSION}"


def ig_code(code: str, display: str, text: Optional[str] = None) -> dict:
    """A CodeableConcept with a code of the IG's code system (179423)."""
    return {"coding": [{"system": CODE_SYSTEMS["ebm-ig"], "code": code, "display": display}], **({"text": text} if text else {})}


@functools.cache
def site_url() -> Optional[str]:
    """The public site's address: ``site_url`` in metadata.yml (./metadata.yml, else the package's copy)."""
    from pathlib import Path

    from .. import metadata as md
    from ..site import PACKAGED_METADATA

    path = Path("metadata.yml") if Path("metadata.yml").is_file() else PACKAGED_METADATA
    return md.read(path).get("site_url") if path.is_file() else None


def system(kind: str) -> str:
    """The identifier (or tag) system for records of a kind: on the site's URL (``<site>/<kind>``); without a
    configured site, a urn:uuid namespace of this database (a registered URN namespace)."""
    base = site_url()
    return f"{base.rstrip('/')}/{kind}" if base else f"urn:uuid:{uuid.uuid5(NAMESPACE, f'identifier/{kind}')}"


def identifier(kind: str, value: str) -> dict:
    return {"system": system(kind), "value": value}


def domain_fields() -> list[tuple[str, str]]:
    """(column, HL7 certainty-type code) for each GRADE domain, in schema order."""
    from ..schema import FindingBody  # when a bundle is written: the schema is not loaded for other exports
    return [(name, info.json_schema_extra["fhir_certainty_type"]) for name, info in FindingBody.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and "fhir_certainty_type" in info.json_schema_extra]


def certainty(f: dict) -> list[dict]:
    overall = {"type": concept("certainty-type", "Overall")}
    if f["certainty"]:
        overall["rating"] = concept("certainty-rating", scales().term("certainty", f["certainty"])["fhir_code"])
        if f["grade_assessor"]:
            overall["rater"] = f["grade_assessor"]
    else:
        overall["note"] = [{"text": "Not GRADE-rated by the source."}]
    if domains_reported(f):
        overall["subcomponent"] = [_subcomponent(f, column, code) for column, code in domain_fields()
                                   if not (code in UPGRADE_CODES and f[column] is None)]
    elif f["certainty"]:
        overall["note"] = [{"text": DOMAINS_NOT_REPORTED}]
    return [overall]


def _subcomponent(f: dict, column: str, code: str) -> dict:
    part = {"type": concept("certainty-type", code)}
    value = f[column]
    if value is None:
        part["note"] = [{"text": "Not reported."}]
    else:
        scale = "upgrade_rating" if code in UPGRADE_CODES else "domain_rating"
        part["rating"] = concept("certainty-rating", scales().term(scale, value)["fhir_code"])
    if f.get(f"{column}_note"):
        part.setdefault("note", []).append({"text": f[f"{column}_note"]})
    return part


def statistic(f: dict) -> list[dict]:
    if f["effect"] is None and f["studies_n"] is None and f["participants_n"] is None:
        return []
    stat: dict = {"description": f["statement"]}
    if f["effect"] is not None:
        measure = terms("effect_measure")[f["effect_measure"]]
        stat["statisticType"] = concept("statistic-type", str(measure["fhir_code"]), measure["fhir_display"])
        stat["quantity"] = {"value": f["effect"]}
    if f["ci_lower"] is not None:
        stat["attributeEstimate"] = [{
            "type": concept("attribute-estimate-type", "C53324", "Confidence interval"),
            "level": 0.95,
            "range": {"low": {"value": f["ci_lower"]}, "high": {"value": f["ci_upper"]}},
        }]
    size = {k: f[c] for k, c in (("numberOfStudies", "studies_n"), ("numberOfParticipants", "participants_n"))
            if f[c] is not None}
    if size:
        stat["sampleSize"] = size
    if f["effect_quote"]:
        stat["note"] = [{"text": f"{f['effect_quote']} ({f['effect_source_locator'] or f['effect_source_document']})"}]
    return [stat, *absolute_statistics(f)]


def absolute_statistics(f: dict) -> list[dict]:
    """GRADE's anticipated absolute effects per 1000, where the build computed them."""
    if f["intervention_risk"] is None:
        return []

    def per_1000(description: str, value: float, low: float, high: float) -> dict:
        return {"description": description, "statisticType": {"text": description},
                "quantity": {"value": round(value, 1), "unit": "per 1000"},
                "attributeEstimate": [{"type": concept("attribute-estimate-type", "C53324", "Confidence interval"),
                                       "level": 0.95, "range": {"low": {"value": round(low, 1)},
                                                                "high": {"value": round(high, 1)}}}]}

    return [
        {"description": "Assumed risk with the comparator per 1000", "statisticType": {"text": "Risk with comparator"},
         "quantity": {"value": f["comparator_risk"], "unit": "per 1000"}},
        per_1000("Risk with the intervention per 1000", f["intervention_risk"], f["intervention_risk_ci_lower"],
                 f["intervention_risk_ci_upper"]),
        per_1000("Risk difference per 1000", f["risk_difference"], f["risk_difference_ci_lower"],
                 f["risk_difference_ci_upper"]),
    ]


def narrative(*paragraphs: str) -> dict:
    """A generated narrative (escaped XHTML), as FHIR's text element wants it."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def variable(role: str, fhir_role: str, description: str, **more) -> dict:
    """A variable definition as the IG wants it: the IG's role code in its extension (and in note.text, the
    IG's slicing discriminator), the R5 variable-role code beside the text the IG fixes."""
    extensions = [{"url": ROLE_CODE, "valueCode": role}]
    if "comparator" in more:
        extensions.append({"url": COMPARATOR_CATEGORY, "valueString": more.pop("comparator")})
    return {"extension": extensions, "description": description, "note": [{"text": role}],
            "variableRole": {**concept("variable-role", fhir_role), "text": ROLE_TEXT}, **more}


def is_comparative(f: dict) -> bool:
    """A finding compares when it names a comparator or carries an effect estimate (relative effect, MD, SMD)."""
    return bool(f["comparator"]) or f["effect"] is not None


def study_design(f: dict) -> list[dict]:
    """SEVCO codes of the body of evidence's design (evidence_design), else of the source's design."""
    term = (scales().term("evidence_design", f["evidence_design"]) if f.get("evidence_design")
            else scales().term("design", f["source_design"]) if f.get("source_design") else {})
    return [concept("study-design", code) for code in (term.get("fhir_code") or "").split()]


def synthesis_type(f: dict) -> Optional[str]:
    """A single study's result is no synthesis (NotApplicable); an effect over several studies is a
    summary-data meta-analysis (std-MA); otherwise the data do not say."""
    single_design = f.get("source_design") and scales().term("design", f["source_design"]).get("grade_start")
    if f["studies_n"] == 1 or (f["studies_n"] is None and single_design):
        return "NotApplicable"
    if f["studies_n"] and f["studies_n"] > 1 and f["effect"] is not None:
        return "std-MA"
    return None


SYNTHESIS_DISPLAY = {"NotApplicable": "not applicable", "std-MA": "summary data meta-analysis"}


def evidence(f: dict) -> dict:
    outcome = f["outcome_label"] + (f" ({f['timepoint']})" if f["timepoint"] else "")
    comparative = is_comparative(f)
    exposure = {"comparator": f["comparator"] or NO_COMPARATOR} if comparative else {}
    variables = [
        variable("population", "population", f["population"]),
        variable("exposure", "exposure", f["intervention"], **exposure),
        variable("outcome", "measuredVariable", outcome,
                 intended={"reference": full_url("EvidenceVariable", f["outcome"])}),
    ]
    synthesis = synthesis_type(f)
    profiles = [profile("comparative-evidence" if comparative else "non-comparative-evidence")]
    if synthesis:
        profiles.append(profile("single-study-evidence" if synthesis == "NotApplicable" else "evidence-synthesis-evidence"))
    view = present(f)
    resource = {
        "resourceType": "Evidence",
        "id": fhir_id(f["id"]),
        "meta": {"profile": profiles},
        "text": narrative(f["statement"], f"Effect: {view.effect}. Studies (participants): {view.studies}. "
                                          f"Certainty: {view.certainty}.", *view.footnotes),
        "identifier": [identifier("finding", f["id"])],
        "status": "active",
        "title": f"{f['intervention']} — {outcome}",
        "relatedArtifact": [{"type": "derived-from", "display": f["source_label"],
                             "resourceReference": {"reference": full_url("Citation", f["source_id"])}}],
        "description": f["statement"],
        "assertion": f["statement"],
        "note": [{"text": f"“{f['quote']}” — {f['source_document']}, {f['source_locator']}"}],
        "variableDefinition": variables,
    }
    if synthesis:
        resource["synthesisType"] = concept("synthesis-type", synthesis, SYNTHESIS_DISPLAY[synthesis])
    design = study_design(f)
    if design:
        resource["studyDesign"] = design
    resource["certainty"] = certainty(f)
    statistics = statistic(f)
    if statistics:
        resource["statistic"] = statistics
    return resource


def _bib_fields(raw: Optional[str]) -> tuple[str, dict[str, str], list[str]]:
    """Entry type, fields (LaTeX decoded) and author names of a source's BibTeX entry."""
    if not raw:
        return "misc", {}, []
    import bibtexparser
    from bibtexparser import middlewares as mw

    from .references import _ris_name, plain

    library = bibtexparser.parse_string(raw, append_middleware=[mw.SeparateCoAuthors()])
    if not library.entries:
        return "misc", {}, []
    entry = library.entries[0]
    fields = {f.key.lower(): f.value for f in entry.fields}
    authors = [_ris_name(a) for a in fields.pop("author", []) if a.lower() != "others"]
    return entry.entry_type.lower(), {k: plain(v) for k, v in fields.items() if isinstance(v, str)}, authors


PUBLICATION_TYPES = {"article": "Journal Article", "techreport": "Report", "book": "Book", "misc": "Other",
                     "unpublished": "Unpublished work", "inproceedings": "Conference paper"}


def citation(source: dict) -> dict:
    """A Citation with the cited article's identifiers, classification, journal, volume, issue, pages,
    contributors and web location, as far as the BibTeX entry gives them."""
    entry_type, fields, authors = _bib_fields(source.get("bibtex"))
    artifact: dict = {}
    identifiers = [{"system": "https://doi.org", "value": source["doi"]}] if source["doi"] else []
    if source["pmid"]:
        identifiers.append({"system": "https://pubmed.ncbi.nlm.nih.gov", "value": source["pmid"]})
    if fields.get("pmcid"):
        identifiers.append({"system": "https://www.ncbi.nlm.nih.gov/pmc", "value": fields["pmcid"]})
    if identifiers:
        artifact["identifier"] = identifiers
    if source["title"]:
        artifact["title"] = [{"text": source["title"]}]
    artifact["classification"] = [{"type": {"text": "publication type"},
                                   "classifier": [{"text": PUBLICATION_TYPES.get(entry_type, "Other")}]}]
    form: dict = {}
    if source["journal"]:
        form["publishedIn"] = {"title": source["journal"]}
    if fields.get("volume"):
        form["volume"] = fields["volume"]
    if fields.get("number"):
        form["issue"] = fields["number"]
    if fields.get("pages"):
        from .references import split_pages

        first, last = split_pages(fields["pages"])
        form["pageString"] = fields["pages"]
        form["firstPage"] = first
        if last:
            form["lastPage"] = last
    if source["year"]:
        form["publicationDateText"] = str(source["year"])
    if form:
        artifact["publicationForm"] = [form]
    if source["doi"]:
        artifact["webLocation"] = [{"url": f"https://doi.org/{source['doi']}"}]
    if source["authors"]:
        # the summary reads as a citation does ("A; B; C"), not with BibTeX's " and " between names
        artifact["contributorship"] = {"summary": [{"value": "; ".join(authors) if authors else source["authors"]}]}
        if authors:
            artifact["contributorship"]["entry"] = [{"contributor": {"display": a}} for a in authors]
    return {
        "resourceType": "Citation",
        "id": fhir_id(source["id"]),
        "text": narrative(" ".join(x for x in (source["label"], source["title"], source["journal"]) if x)),
        "identifier": [identifier("source", source["id"])],
        "status": "active",
        "title": source["label"],
        "citedArtifact": artifact,
    }


def outcome_variable(outcome: str, label: str) -> dict:
    """An outcome as an EvidenceVariable, which each Evidence's outcome variable intends. It declares no IG
    profile: variable-definition wants the variable's handling (continuous, dichotomous, …), which an outcome
    of the vocabulary does not have (its findings measure it in different ways)."""
    return {"resourceType": "EvidenceVariable", "id": fhir_id(f"outcome-{outcome}"),
            "text": narrative(f"Outcome: {label}"),
            "identifier": [identifier("outcome", outcome)],
            "status": "active", "title": label, "name": "Outcome_" + fhir_id(outcome).replace("-", "_")}


SOF_COLUMNS = [  # (code, display) of the IG's column-header slices for GRADEpro's columns, in their order
    ("outcome-measure", "Outcome Measure"),
    ("result-with-comparator-alone", "Result with comparator alone"),
    ("result-with-intervention-alone-calculated", "Result with intervention alone (calculated)"),
    ("result-with-intervention-vs-comparator", "Result with intervention vs. comparator"),
    ("sample-size", "Sample Size"),
    ("certainty-of-evidence", "Certainty of Evidence"),
]
SOF_TITLES = ["Outcomes", "Risk with comparator", "Risk with intervention", "Relative effect (95% CI)",
              "№ of participants (studies)", "Certainty of the evidence (GRADE)"]


def summary_of_findings(table, evidence_urls, comparative: set[str]) -> dict:
    """A Summary-of-Findings table (one comparison) as the IG's summary-of-findings Composition: the column
    headers, then an outcome entry per row whose effect and certainty sections point to the row's Evidence
    (where that Evidence is comparative, as the profile wants)."""
    def column(i: int, text: Optional[str] = None, entry: Optional[str] = None) -> dict:
        code, display = SOF_COLUMNS[i]
        part: dict = {"title": SOF_TITLES[i], "code": ig_code(code, display)}
        if text is not None:
            part["text"] = narrative(text)
        if entry:
            part["entry"] = [{"reference": entry}]
        return part

    def outcome_entry(row) -> dict:
        url = evidence_urls[row.id] if row.id in comparative else None
        cells = [row.outcome, row.comparator_risk, row.intervention_risk, row.relative, row.participants,
                 row.certainty_text]
        return {"title": row.outcome, "code": ig_code("summary-of-findings-entry-for-a-single-outcome",
                                                        "Summary of findings entry for a single outcome"),
                "text": narrative(f"{row.outcome}: {row.relative}; {row.participants}; {row.certainty_text}. "
                                  f"{row.comments}"),
                "section": [column(i, cell, url if i in (3, 5) else None) for i, cell in enumerate(cells)]}

    return {
        "resourceType": "Composition",
        "id": fhir_id("sof-" + "-".join(r.id for r in table.rows[:3]) + f"-{len(table.rows)}"),
        "meta": {"profile": [profile("summary-of-findings")]},
        "text": narrative(f"Summary of findings: {table.title}. Population: {table.population}. "
                          f"Intervention: {table.intervention}. Comparison: {table.comparison}."),
        "status": "final",
        "type": ig_code("EvidenceReport", "EvidenceReport", "Summary of findings"),
        "category": [ig_code("SummaryOfFindings", "SummaryOfFindings", "Summary of Findings")],
        "date": "2024",
        "author": [{"display": "Work participation evidence"}],
        "title": table.title,
        "section": [{"title": "Column headers", "code": ig_code("column-headers", "Column Headers"),
                     "section": [column(i, title) for i, title in enumerate(SOF_TITLES)]},
                    *(outcome_entry(row) for row in table.rows)],
    }


def economic_evidence(e: dict) -> dict:
    """An economic evaluation as an Evidence whose statistic is the economic measure."""
    resource = {
        "resourceType": "Evidence",
        "id": fhir_id(e["id"]),
        "text": narrative(e["statement"]),
        "identifier": [identifier("economic-evaluation", e["id"])],
        "status": "active",
        "title": f"{e['intervention']} — economic evaluation",
        "relatedArtifact": [{"type": "derived-from", "resourceReference": {"reference": full_url("Citation", e["source_id"])}}],
        "description": e["statement"],
        "note": [{"text": f"“{e['quote']}” — {e['source_document']}, {e['source_locator']}"}],
        "variableDefinition": [
            {"description": e["intervention"], "variableRole": concept("variable-role", "exposure")},
            *([{"description": e["comparator"], "variableRole": concept("variable-role", "referenceExposure")}]
              if e["comparator"] else []),
        ],
    }
    if e["value"] is not None and e["measure"]:
        quantity = {"value": e["value"], **({"unit": e["currency"]} if e["currency"] else {})}
        resource["statistic"] = [{"description": e["statement"], "statisticType": {"text": e["measure_name"]},
                                  "quantity": quantity}]
    return resource


# Where each Evidence-to-Decision criterion's considerations go in a recommendation-justification: the content
# container and its component (the IG's codes, 179423). A criterion not named here is part of the justification.
CONTAINERS = {"evidence": "Evidence", "net-effect": "Net Effect", "judgments": "Judgments",
              "considerations": "Considerations"}
COMPONENTS = {"discussion": "Discussion", "preferences": "Preferences", "justification": "Justification",
              "costs": "Costs", "acceptability": "Acceptability", "feasibility": "Feasibility", "equity": "Equity",
              "implementation-considerations": "Implementation Considerations",
              "research-considerations": "Research Considerations"}
CRITERIA = {
    "certainty_of_evidence": ("evidence", "discussion"),
    "benefits_and_harms": ("net-effect", "discussion"),
    "patient_values": ("net-effect", "preferences"),
    "resources": ("judgments", "costs"),
    "acceptability": ("judgments", "acceptability"),
    "feasibility": ("judgments", "feasibility"),
    "equity": ("judgments", "equity"),
    "organisation": ("considerations", "implementation-considerations"),
    "practical_information": ("considerations", "implementation-considerations"),
    "research": ("considerations", "research-considerations"),
    "evidence_basis": ("evidence", "discussion"),
}
OTHER_CRITERIA = ("judgments", "justification")


def _basis(r: dict) -> Optional[str]:
    """The recommendation's own evidence basis, as the data record it, in words."""
    if not r.get("evidence_basis"):
        return None
    name = scales().term("evidence_basis", r["evidence_basis"])["name"]
    return name[:1].upper() + name[1:] + (f": “{r['evidence_basis_quote']}”" if r.get("evidence_basis_quote") else ".")


def recommendation(r: dict) -> dict:
    """A recommendation as a Composition of the IG's recommendation profile, derived from its justification.
    It relates to no Evidence: the data record no conclusion as a recommendation's own basis (the guideline
    attaches its conclusions to the module's literature summary); its own evidence basis is its evidence section."""
    statement = narrative(r["text"], r.get("text_en") and f"English translation (curators'): {r['text_en']}")
    specification = [{"title": "Recommendation Statement", "code": ig_code("recommendation-statement", "Recommendation Statement"),
                      "text": statement}]
    for field, code, display in (("strength", "strength-of-recommendation", "Strength of Recommendation"),
                                 ("direction", "direction-of-recommendation", "Direction of Recommendation")):
        if r.get(field):
            specification.append({"title": display, "code": ig_code(code, display),
                                  "text": narrative(scales().term(f"recommendation_{field}", r[field])["name"])})
    sections = [{"title": "Recommendation Specification",
                 "code": ig_code("recommendation-specification", "Recommendation Specification"),
                 "section": specification}]
    basis = _basis(r)
    if basis:
        sections.append({"title": "Evidence", "code": ig_code("evidence", "Evidence"),
                         "section": [{"title": "Evidence basis", "code": ig_code("discussion", "Discussion"),
                                      "text": narrative(basis)}]})
    return {
        "resourceType": "Composition",
        "id": fhir_id(r["id"]),
        "meta": {"profile": [profile("recommendation")]},
        "text": narrative(r["text"], r.get("text_en") and f"English translation (curators'): {r['text_en']}", basis),
        "identifier": [identifier("recommendation", r["id"])],
        "status": "final",
        "type": ig_code("EvidenceReport", "EvidenceReport", "Recommendation"),
        "category": [ig_code("Recommendation", "Recommendation")],
        "date": r["last_authorised"] or r["last_assessed"] or "2024",
        "author": [{"display": r["document_label"]}],
        "title": f"{r['module']}: {r['audience_name']}",
        "relatesTo": [{"type": "derived-from", "classifier": [{"text": "RecommendationJustification"}],
                       "resourceReference": {"reference": full_url("ArtifactAssessment", r["id"])}}],
        "section": sections,
    }


def _kind(c: dict) -> str:
    """A consideration's kind, with the sub-heading it is printed under where it has one."""
    return c["criterion_name"] + (f": {c['heading']}" if c.get("heading") else "")


def _consideration_text(c: dict) -> str:
    return c["quote"] + (f"\n\n(English summary, curators': {c['summary_en']})" if c.get("summary_en") else "")


def justification(r: dict, considerations: list[dict]) -> dict:
    """The recommendation's justification as the IG's recommendation-justification: its statement, its own
    evidence basis and its module's considerations, each under the container and component of its criterion."""
    def comment(kind: str, summary: str) -> dict:
        return {"informationType": "comment", "type": {"text": kind}, "summary": summary}

    grouped: dict[str, dict[str, list[dict]]] = {code: {} for code in CONTAINERS}
    basis = _basis(r)
    if basis:
        grouped["evidence"]["discussion"] = [comment("evidence basis of the recommendation", basis)]
    for c in considerations:
        container, component = CRITERIA.get(c["criterion"], OTHER_CRITERIA)
        grouped[container].setdefault(component, []).append(comment(_kind(c), _consideration_text(c)))
    statement = r["text"] + (f"\n\n(English translation, curators': {r['text_en']})" if r.get("text_en") else "")
    content = [{"informationType": "container",
                "type": ig_code("recommendation-specification", "Recommendation Specification"),
                "component": [{"informationType": "comment",
                               "type": ig_code("recommendation-statement", "Recommendation Statement"),
                               "summary": statement}]}]
    for container, components in grouped.items():
        if components:
            content.append({"informationType": "container", "type": ig_code(container, CONTAINERS[container]),
                            "component": [{"informationType": "container", "type": ig_code(code, COMPONENTS[code]),
                                           "component": items} for code, items in components.items()]})
    return {
        "resourceType": "ArtifactAssessment",
        "id": fhir_id(f"{r['id']}-justification"),
        "meta": {"profile": [profile("recommendation-justification")]},
        "text": narrative(f"The justification of the recommendation {r['id']} ({r['module']})."),
        "title": f"Justification: {r['module']}",
        "artifactReference": {"reference": full_url("Composition", r["id"])},
        "content": content,
    }


def module(q: dict, evidence_ids: list[str], recommendation_ids: list[str], considerations: list[dict],
           unfiltered: bool) -> dict:
    """A guideline module as an evidence report: its question, the conclusions of its literature summary
    (which the guideline attaches to the module, not to one recommendation) and its recommendations; a
    sub-module is part of its parent (whose question, recommendations and conclusions it shares) and lists its
    own considerations (a module with recommendations gives them in each recommendation's justification)."""
    sections = [{"title": "Question", "text": narrative(q["question"], q.get("question_en"))}]
    title = "Conclusions in this module's literature summary"
    if evidence_ids:
        sections.append({"title": title, "entry": [{"reference": full_url("Evidence", f)} for f in evidence_ids]})
    elif unfiltered and not q.get("parent"):
        sections.append({"title": title, "text": narrative("The guideline gives no GRADE conclusions for this module.")})
    if recommendation_ids:
        sections.append({"title": "Recommendations",
                         "entry": [{"reference": full_url("Composition", r)} for r in recommendation_ids]})
    elif considerations:
        sections.append({"title": "Considerations", "section": [{"title": _kind(c), "text": narrative(_consideration_text(c))}
                                                                for c in considerations]})
    resource = {
        "resourceType": "Composition",
        "id": fhir_id(f"module-{q['id']}"),
        "meta": {"profile": [profile("evidence-report")]},
        "text": narrative(f"Guideline module: {q['module']}", q["question"]),
        "identifier": [identifier("guideline-module", q["id"])],
        "status": "final",
        "type": ig_code("EvidenceReport", "EvidenceReport", "Guideline module"),
        "date": q["last_authorised"] or q["last_assessed"] or "2024",
        "author": [{"display": q.get("document_label") or "Work participation evidence"}],
        "title": q["module"],
        "section": sections,
    }
    if q.get("parent"):
        resource["relatesTo"] = [{"type": "part-of", "resourceReference": {"reference": full_url("Composition", f"module/{q['parent']}")}}]
    return resource


class _EvidenceUrls:
    """Each finding's Evidence fullUrl, computed when asked for (no dict of every finding)."""

    def __getitem__(self, finding_id: str) -> str:
        return full_url("Evidence", finding_id)


def bundle(conn: sqlite3.Connection, filters: Filters) -> dict:
    """A collection Bundle: Citations for the cited sources, an Evidence per matching finding and economic
    evaluation, Summary-of-Findings tables, and the guideline modules whose conclusions match (with their
    recommendations and justifications). FHIR JSON leaves out a repeating element with no items: a bundle
    with no entry has no ``entry``."""
    bundle_resource: dict = {"resourceType": "Bundle", "id": "evidence-export", "type": "collection"}
    entries = list(bundle_entries(conn, filters))
    if entries:
        bundle_resource["entry"] = entries
    meta = bundle_meta(conn)
    if meta:
        bundle_resource["meta"] = meta
    return bundle_resource


def bundle_meta(conn: sqlite3.Connection) -> Optional[dict]:
    """Which release (or build) the export is, and the content hash of its inputs, as tags (meta.versionId
    is the server's version of the resource, not the dataset's release)."""
    info = records(conn, sql("build_info"))
    if not info:
        return None
    tags = [{"system": system("content-hash"), "code": info[0]["content_hash"]}]
    if info[0].get("release"):
        tags.append({"system": system("release"), "code": info[0]["release"]})
    return {"tag": tags}


def _rows(conn: sqlite3.Connection, query: str, params: Any = ()) -> Iterator[dict]:
    """Rows as dicts, one at a time, from a cursor of its own."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    for row in cursor.execute(query, params):
        yield dict(row)


def bundle_entries(conn: sqlite3.Connection, filters: Filters) -> Iterator[dict]:
    """The Bundle's entries in order, one at a time: nothing holds every finding."""
    from .sof import iter_tables, matching_findings

    cited = source_ids(conn, filters)
    # no matching finding cites no source (an empty list of ids is no filter at all)
    if cited != []:
        for s in _rows(conn, *select("sources", {"id": cited} if cited is not None else {})):
            yield {"fullUrl": full_url("Citation", s["id"]), "resource": citation(s)}
    query, params = select("findings", filters, "id")
    outcomes = dict(conn.execute("select outcome, outcome_label from findings_labelled "
                                 f"where id in ({query}) group by outcome, outcome_label", params).fetchall())
    for o, label in sorted(outcomes.items()):
        yield {"fullUrl": full_url("EvidenceVariable", o), "resource": outcome_variable(o, label)}
    for f in matching_findings(conn, filters):
        yield {"fullUrl": full_url("Evidence", f["id"]), "resource": evidence(f)}
    urls = _EvidenceUrls()
    for t in iter_tables(conn, filters):
        ids = [r.id for r in t.rows]
        comparative = {row[0] for row in conn.execute(
            "select id from findings where id in (select value from json_each(?)) "
            "and (comparator is not null or effect is not null)", (json.dumps(ids),))}
        yield {"fullUrl": full_url("Composition", f"sof/{t.title}/{t.rows[0].id}"),
               "resource": summary_of_findings(t, urls, comparative)}
    if not any(o in filters for o in ("certainty", "intervention_type", "outcome")):  # they describe findings only
        ids = [r[0] for r in conn.execute(*select("economic_evaluations", filters, "id"))]
        for e in _rows(conn, sql("fhir_economic"), {"ids": json.dumps(ids)}):
            yield {"fullUrl": full_url("Evidence", e["id"]), "resource": economic_evidence(e)}
    yield from _recommendations(conn, filters, unfiltered=not filters)


def _recommendations(conn: sqlite3.Connection, filters: Filters, unfiltered: bool) -> Iterator[dict]:
    """Per module whose conclusions match the filters (every module, unfiltered; a sub-module with its
    parent): its recommendations, each with its justification, then the module's Composition."""
    conclusions: dict[str, list[str]] = {}
    for question, finding in conn.execute(sql("fhir_question_findings")):
        conclusions.setdefault(question, []).append(finding)
    referenced = {f for findings in conclusions.values() for f in findings}
    query, params = select("findings", filters, "id")
    chosen = {row[0] for row in conn.execute(query, params) if row[0] in referenced}
    considerations: dict[str, list[dict]] = {}
    for c in records(conn, sql("fhir_considerations")):
        considerations.setdefault(c["question_id"], []).append(c)
    recommendations: dict[str, list[dict]] = {}
    for r in records(conn, sql("fhir_recommendations")):
        recommendations.setdefault(r["question_id"], []).append(r)
    included: set[str] = set()
    for q in records(conn, sql("fhir_modules")):  # a parent module before its sub-modules
        evidence_ids = [f for f in conclusions.get(q["id"], []) if f in chosen]
        if not (unfiltered or evidence_ids or q.get("parent") in included):
            continue
        included.add(q["id"])
        for r in recommendations.get(q["id"], []):
            yield {"fullUrl": full_url("Composition", r["id"]), "resource": recommendation(r)}
            yield {"fullUrl": full_url("ArtifactAssessment", r["id"]),
                   "resource": justification(r, considerations.get(q["id"], []))}
        yield {"fullUrl": full_url("Composition", f"module/{q['id']}"),
               "resource": module(q, evidence_ids, [r["id"] for r in recommendations.get(q["id"], [])],
                                  considerations.get(q["id"], []), unfiltered)}


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_bundle(conn: sqlite3.Connection, filters: Filters, out: IO[bytes]) -> int:
    """The Bundle as ``dumps`` writes it (same keys, order and indentation), an entry at a time."""
    count = 0
    with text(out) as f:
        f.write('{\n  "resourceType": "Bundle",\n  "id": "evidence-export",\n  "type": "collection"')
        for entry in bundle_entries(conn, filters):
            f.write((",\n    " if count else ',\n  "entry": [\n    ')
                    + json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    "))
            count += 1
        if count:
            f.write("\n  ]")
        meta = bundle_meta(conn)
        if meta:
            f.write(',\n  "meta": ' + json.dumps(meta, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        f.write("\n}\n")
    return count


def _write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
    return Output(write_bundle(conn, filters, out), "FHIR resources in a Bundle")


register(Format("fhir", "json", "application/fhir+json", "fhir.json", _write, default=True, title="FHIR"))


def write_ndjson(conn: sqlite3.Connection, filters: Filters, out: IO[bytes]) -> int:
    """FHIR's bulk format: the Bundle's resources, one JSON object a line, in the Bundle's order. Each
    resource carries the Bundle's meta tags (release, content hash), as a line read alone has no Bundle."""
    meta = bundle_meta(conn)
    count = 0
    with text(out) as f:
        for entry in bundle_entries(conn, filters):
            resource = entry["resource"]
            if meta:
                resource = {**resource, "meta": {**resource.get("meta", {}),
                                                 "tag": [*resource.get("meta", {}).get("tag", []), *meta["tag"]]}}
            f.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def _write_ndjson(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
    return Output(write_ndjson(conn, filters, out), "FHIR resources, one a line (NDJSON)")


register(Format("fhir", "ndjson", "application/fhir+ndjson", "ndjson", _write_ndjson))
