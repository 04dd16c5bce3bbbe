"""HL7 FHIR R5 Bundle following the EBM implementation guide: an Evidence per finding, a Citation
per source. GRADE domain codes come from the schema (fhir_certainty_type), statistic-type codes
from the effect-measure vocabulary.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from typing import Optional

from ..read import Filters, records, select, source_ids, sql
from ..schema import FindingBody
from ..vocabulary import scales, terms
from . import Format, Output, register

CODE_SYSTEMS = {
    "certainty-type": "http://terminology.hl7.org/CodeSystem/certainty-type",
    "certainty-rating": "http://terminology.hl7.org/CodeSystem/certainty-rating",
    "statistic-type": "http://terminology.hl7.org/CodeSystem/statistic-type",
    "attribute-estimate-type": "http://terminology.hl7.org/CodeSystem/attribute-estimate-type",
    "variable-role": "http://terminology.hl7.org/CodeSystem/variable-role",
}
UPGRADE_CODES = {"LargeEffect", "DoseResponseGradient", "PlausibleConfounding"}  # rated present/absent
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
    overall["subcomponent"] = [_subcomponent(f, column, code) for column, code in domain_fields()
                               if not (code in UPGRADE_CODES and f[column] is None)]
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
    return [stat]


def evidence(f: dict) -> dict:
    outcome = f["outcome_label"] + (f" ({f['timepoint']})" if f["timepoint"] else "")
    variables = [
        {"description": f["population"], "variableRole": concept("variable-role", "population")},
        {"description": f["intervention"], "variableRole": concept("variable-role", "exposure")},
    ]
    if f["comparator"]:
        variables.append({"description": f["comparator"], "variableRole": concept("variable-role", "referenceExposure")})
    variables.append({"description": outcome, "variableRole": concept("variable-role", "measuredVariable")})
    resource = {
        "resourceType": "Evidence",
        "id": fhir_id(f["id"]),
        "identifier": [{"system": "urn:evidence-db:finding", "value": f["id"]}],
        "status": "active",
        "title": f"{f['intervention']} — {outcome}",
        "citeAsReference": {"reference": full_url("Citation", f["source_id"]), "display": f["source_label"]},
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


def citation(source: dict) -> dict:
    artifact: dict = {}
    identifiers = [{"system": "https://doi.org", "value": source["doi"]}] if source["doi"] else []
    if source["pmid"]:
        identifiers.append({"system": "https://pubmed.ncbi.nlm.nih.gov", "value": source["pmid"]})
    if identifiers:
        artifact["identifier"] = identifiers
    if source["title"]:
        artifact["title"] = [{"text": source["title"]}]
    form = {}
    if source["journal"]:
        form["publishedIn"] = {"title": source["journal"]}
    if source["year"]:
        form["publicationDateText"] = str(source["year"])
    if form:
        artifact["publicationForm"] = [form]
    if source["authors"]:
        artifact["contributorship"] = {"summary": [{"value": source["authors"]}]}
    return {
        "resourceType": "Citation",
        "id": fhir_id(source["id"]),
        "identifier": [{"system": "urn:evidence-db:source", "value": source["id"]}],
        "status": "active",
        "title": source["label"],
        "citedArtifact": artifact,
    }


def bundle(conn: sqlite3.Connection, filters: Filters) -> dict:
    """A collection Bundle: Citations for the cited sources, then an Evidence per matching finding."""
    ids = [row[0] for row in conn.execute(*select("findings", filters, "id"))]
    findings = records(conn, sql("sof_findings"), {"ids": json.dumps(ids)})
    cited = source_ids(conn, filters)
    # no matching finding cites no source (an empty list of ids is no filter at all)
    sources = records(conn, *select("sources", {"id": cited} if cited is not None else {})) if cited != [] else []
    entries = [{"fullUrl": full_url("Citation", s["id"]), "resource": citation(s)} for s in sources]
    entries += [{"fullUrl": full_url("Evidence", f["id"]), "resource": evidence(f)} for f in findings]
    return {"resourceType": "Bundle", "id": "evidence-export", "type": "collection", "entry": entries}


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _write(conn: sqlite3.Connection, table: str, filters: Filters, options: dict) -> Output:
    data = bundle(conn, filters)
    return Output(dumps(data), len(data["entry"]), "FHIR resources in a Bundle")


register(Format("fhir", "json", "application/fhir+json", "json", _write, default=True))
