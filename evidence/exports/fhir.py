"""HL7 FHIR R5 Bundle following the R5-based release of the HL7 EBM implementation guide
(v1.0.0-ballot, STU1 ballot 1, January 2024): an Evidence per finding (comparative-evidence profile),
a Citation per source, and per guideline recommendation a Composition (recommendation profile) with
``relatesTo`` the Evidence it rests on and an ArtifactAssessment (recommendation-justification
profile) holding its question's considerations. Economic evaluations are Evidence resources whose
statistic is the economic measure (R5 core and the IG have no economic-evaluation resource).

GRADE domain codes come from the schema (fhir_certainty_type), rating and statistic-type codes from
the vocabulary (fhir_code).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import uuid
from typing import IO, Any, Iterator, Optional

from ..presenter import DOMAINS_NOT_REPORTED, domains_reported, present
from ..read import Filters, records, select, source_ids, sql
from ..schema import FindingBody
from ..vocabulary import scales, terms
from . import Format, Output, register, text

CODE_SYSTEMS = {  # as R5 core and the EBM IG's R5 examples use them
    "certainty-type": "http://hl7.org/fhir/certainty-type",
    "certainty-rating": "http://hl7.org/fhir/certainty-rating",
    "statistic-type": "http://terminology.hl7.org/CodeSystem/statistic-type",
    "attribute-estimate-type": "http://terminology.hl7.org/CodeSystem/attribute-estimate-type",
    "variable-role": "http://terminology.hl7.org/CodeSystem/variable-role",
}
UPGRADE_CODES = {"LargeEffect", "DoseResponseGradient", "PlausibleConfounding"}  # rated present/absent
IG = "http://hl7.org/fhir/uv/ebm/StructureDefinition/"
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


def domain_fields() -> list[tuple[str, str]]:
    """(column, HL7 certainty-type code) for each GRADE domain, in schema order."""
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


def evidence(f: dict) -> dict:
    outcome = f["outcome_label"] + (f" ({f['timepoint']})" if f["timepoint"] else "")
    variables = [
        {"description": f["population"], "variableRole": concept("variable-role", "population")},
        {"description": f["intervention"], "variableRole": concept("variable-role", "exposure")},
    ]
    if f["comparator"]:
        variables.append({"description": f["comparator"], "variableRole": concept("variable-role", "referenceExposure")})
    variables.append({"description": outcome, "variableRole": concept("variable-role", "measuredVariable"),
                      "observed": {"reference": full_url("EvidenceVariable", f["outcome"])}})
    view = present(f)
    resource = {
        "resourceType": "Evidence",
        "id": fhir_id(f["id"]),
        "meta": {"profile": [IG + ("comparative-evidence" if f["comparator"] else "non-comparative-evidence")]},
        "text": narrative(f["statement"], f"Effect: {view.effect}. Studies (participants): {view.studies}. "
                                          f"Certainty: {view.certainty}.", *view.footnotes),
        "identifier": [{"system": "urn:evidence-db:finding", "value": f["id"]}],
        "status": "active",
        "title": f"{f['intervention']} — {outcome}",
        "relatedArtifact": [{"type": "derived-from", "display": f["source_label"],
                             "resourceReference": {"reference": full_url("Citation", f["source_id"])}}],
        "description": f["statement"],
        "assertion": f["statement"],
        "note": [{"text": f"“{f['quote']}” — {f['source_document']}, {f['source_locator']}"}],
        "variableDefinition": variables,
        "certainty": certainty(f),
    }
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
        artifact["contributorship"] = {"summary": [{"value": source["authors"]}]}
        if authors:
            artifact["contributorship"]["entry"] = [{"contributor": {"display": a}} for a in authors]
    return {
        "resourceType": "Citation",
        "id": fhir_id(source["id"]),
        "text": narrative(" ".join(x for x in (source["label"], source["title"], source["journal"]) if x)),
        "identifier": [{"system": "urn:evidence-db:source", "value": source["id"]}],
        "status": "active",
        "title": source["label"],
        "citedArtifact": artifact,
    }


def outcome_variable(outcome: str, label: str) -> dict:
    """An outcome as an EvidenceVariable, which each Evidence's measured variable points to."""
    return {"resourceType": "EvidenceVariable", "id": fhir_id(f"outcome-{outcome}"),
            "meta": {"profile": [IG + "variable-definition"]}, "text": narrative(f"Outcome: {label}"),
            "identifier": [{"system": "urn:evidence-db:outcome", "value": outcome}],
            "status": "active", "title": label, "name": "Outcome_" + fhir_id(outcome).replace("-", "_")}


def summary_of_findings(table, evidence_urls: dict[str, str]) -> dict:
    """A Summary-of-Findings table (one comparison) as the IG's summary-of-findings Composition:
    a section per outcome row, each with its Evidence."""
    return {
        "resourceType": "Composition",
        "id": fhir_id("sof-" + "-".join(r.id for r in table.rows[:3]) + f"-{len(table.rows)}"),
        "meta": {"profile": [IG + "summary-of-findings"]},
        "text": narrative(f"Summary of findings: {table.title}. Population: {table.population}. "
                          f"Intervention: {table.intervention}. Comparison: {table.comparison}."),
        "status": "final",
        "type": {"text": "Summary of findings"},
        "date": "2024",
        "author": [{"display": "Work participation evidence"}],
        "title": table.title,
        "section": [{"title": row.outcome, "text": narrative(
                        f"{row.outcome}: {row.relative}; {row.participants}; {row.certainty_text}. {row.comments}"),
                     "entry": [{"reference": evidence_urls[row.id]}]} for row in table.rows],
    }

def economic_evidence(e: dict) -> dict:
    """An economic evaluation as an Evidence whose statistic is the economic measure."""
    resource = {
        "resourceType": "Evidence",
        "id": fhir_id(e["id"]),
        "text": narrative(e["statement"]),
        "identifier": [{"system": "urn:evidence-db:economic-evaluation", "value": e["id"]}],
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


def recommendation(r: dict, evidence_ids: list[str]) -> dict:
    """A recommendation as a Composition of the IG's recommendation profile, related to its Evidence."""
    return {
        "resourceType": "Composition",
        "id": fhir_id(r["id"]),
        "meta": {"profile": [IG + "recommendation"]},
        "text": narrative(r["text"], r["text_en"] and f"English translation (curators'): {r['text_en']}"),
        "identifier": [{"system": "urn:evidence-db:recommendation", "value": r["id"]}],
        "status": "final",
        "type": {"text": "Recommendation"},
        "date": r["last_authorised"] or r["last_assessed"] or "2024",
        "author": [{"display": r["document_label"]}],
        "title": f"{r['module']}: {r['audience_name']}",
        "section": [{"title": "Recommendation Statement", "text": narrative(r["text"])}],
        "relatesTo": [{"type": "depends-on", "resourceReference": {"reference": full_url("Evidence", f)}}
                      for f in evidence_ids],
    }


def justification(r: dict, considerations: list[dict]) -> dict:
    """The considerations behind a recommendation (its question's), as the IG's recommendation-justification."""
    return {
        "resourceType": "ArtifactAssessment",
        "id": fhir_id(f"{r['id']}-justification"),
        "meta": {"profile": [IG + "recommendation-justification"]},
        "text": narrative(f"The considerations behind the recommendation {r['id']} ({r['module']})."),
        "title": f"Justification: {r['module']}",
        "artifactReference": {"reference": full_url("Composition", r["id"])},
        "content": [{"informationType": "comment", "type": {"text": c["criterion_name"]},
                     "summary": c["quote"] + (f"\n\n(English summary, curators': {c['summary_en']})" if c["summary_en"] else "")}
                    for c in considerations],
    }


class _EvidenceUrls:
    """Each finding's Evidence fullUrl, computed when asked for (no dict of every finding)."""

    def __getitem__(self, finding_id: str) -> str:
        return full_url("Evidence", finding_id)


def bundle(conn: sqlite3.Connection, filters: Filters) -> dict:
    """A collection Bundle: Citations for the cited sources, an Evidence per matching finding and economic
    evaluation, and the recommendations (with their justification) that rest on the matching findings."""
    entries = list(bundle_entries(conn, filters))
    bundle_resource = {"resourceType": "Bundle", "id": "evidence-export", "type": "collection", "entry": entries}
    meta = bundle_meta(conn)
    if meta:
        bundle_resource["meta"] = meta
    return bundle_resource


def bundle_meta(conn: sqlite3.Connection) -> Optional[dict]:
    """Which release (or build) the export is, and the content hash of its inputs."""
    info = records(conn, sql("build_info"))
    if not info:
        return None
    meta: dict = {"tag": [{"system": "urn:evidence-db:content-hash", "code": info[0]["content_hash"]}]}
    if info[0].get("release"):
        meta["versionId"] = info[0]["release"]
    return meta


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
        yield {"fullUrl": full_url("Composition", f"sof/{t.title}/{t.rows[0].id}"), "resource": summary_of_findings(t, urls)}
    if not any(o in filters for o in ("certainty", "intervention_type", "outcome")):  # they describe findings only
        ids = [r[0] for r in conn.execute(*select("economic_evaluations", filters, "id"))]
        for e in _rows(conn, sql("fhir_economic"), {"ids": json.dumps(ids)}):
            yield {"fullUrl": full_url("Evidence", e["id"]), "resource": economic_evidence(e)}
    yield from _recommendations(conn, filters, unfiltered=not filters)


def _recommendations(conn: sqlite3.Connection, filters: Filters, unfiltered: bool) -> Iterator[dict]:
    rests_on: dict[str, list[str]] = {}
    for question, finding in conn.execute(sql("fhir_question_findings")):
        rests_on.setdefault(question, []).append(finding)
    referenced = {f for findings in rests_on.values() for f in findings}
    query, params = select("findings", filters, "id")
    chosen = {row[0] for row in conn.execute(query, params) if row[0] in referenced}
    considerations: dict[str, list[dict]] = {}
    for c in records(conn, sql("fhir_considerations")):
        considerations.setdefault(c["question_id"], []).append(c)
    for r in records(conn, sql("fhir_recommendations")):
        evidence_ids = [f for f in rests_on.get(r["question_id"], []) if f in chosen]
        if not evidence_ids and not unfiltered:
            continue
        yield {"fullUrl": full_url("Composition", r["id"]), "resource": recommendation(r, evidence_ids)}
        if considerations.get(r["question_id"]):
            yield {"fullUrl": full_url("ArtifactAssessment", r["id"]),
                   "resource": justification(r, considerations[r["question_id"]])}


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_bundle(conn: sqlite3.Connection, filters: Filters, out: IO[bytes]) -> int:
    """The Bundle as ``dumps`` writes it (same keys, order and indentation), an entry at a time."""
    count = 0
    with text(out) as f:
        f.write('{\n  "resourceType": "Bundle",\n  "id": "evidence-export",\n  "type": "collection",\n  "entry": [')
        for entry in bundle_entries(conn, filters):
            f.write(("," if count else "") + "\n    " + json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    "))
            count += 1
        f.write("\n  ]" if count else "]")
        meta = bundle_meta(conn)
        if meta:
            f.write(',\n  "meta": ' + json.dumps(meta, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        f.write("\n}\n")
    return count


def _write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict, out: IO[bytes]) -> Output:
    return Output(write_bundle(conn, filters, out), "FHIR resources in a Bundle")


register(Format("fhir", "json", "application/fhir+json", "json", _write, default=True))
