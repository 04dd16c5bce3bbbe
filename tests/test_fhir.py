"""The HL7 FHIR R5 export, validated with the fhir.resources package."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fhir.resources.bundle import Bundle

from evidence.cli import cli
from evidence.exports.fhir import bundle, domain_fields
from evidence.read import connect
from tests.conftest import query


def test_bundle_validates_and_counts_match(real_db, tmp_path):
    out = tmp_path / "all.json"
    assert CliRunner().invoke(cli, ["export", "fhir", "--db", str(real_db), "-o", str(out)]).exit_code == 0
    parsed = Bundle.model_validate_json(out.read_text(encoding="utf-8"))
    kinds = [e.resource.get_resource_type() for e in parsed.entry]
    assert kinds.count("Evidence") == query(real_db, "select count(*) from findings")[0][0]
    assert kinds.count("Citation") == query(real_db, "select count(*) from sources")[0][0]


def resource(real_db, finding_id: str) -> dict:
    with connect(real_db) as conn:
        data = bundle(conn, {"source": [finding_id.rsplit("-", 1)[0]]})
    Bundle.model_validate(data)
    return next(e["resource"] for e in data["entry"] if e["resource"].get("id") == finding_id)


def test_evidence_has_variables_statistic_and_certainty(real_db):
    ev = resource(real_db, "kumar-2017-f3")
    roles = [v["variableRole"]["coding"][0]["code"] for v in ev["variableDefinition"]]
    assert roles == ["population", "exposure", "referenceExposure", "measuredVariable"]
    assert ev["variableDefinition"][2]["description"] == "home programme"
    [stat] = ev["statistic"]
    assert stat["statisticType"]["coding"][0]["code"] == "C93152" and stat["quantity"]["value"] == 0.95
    assert stat["attributeEstimate"][0]["range"] == {"low": {"value": 0.85}, "high": {"value": 1.05}}
    assert stat["sampleSize"] == {"numberOfStudies": 1, "numberOfParticipants": 120}
    [overall] = ev["certainty"]
    assert overall["type"]["coding"][0]["code"] == "Overall" and overall["rating"]["coding"][0]["code"] == "moderate"
    assert [s["type"]["coding"][0]["code"] for s in overall["subcomponent"]] == [
        "RiskOfBias", "Inconsistency", "Indirectness", "Imprecision", "PublicationBias"]


def test_very_low_uses_the_hl7_code(real_db):
    ev = resource(real_db, "kumar-2017-f1")
    assert ev["certainty"][0]["rating"]["coding"][0]["code"] == "very-low"


def test_domain_ratings_use_certainty_rating_codes(project):
    from pathlib import Path

    from evidence import build as builder

    project.edit("      direction:", "      risk_of_bias: -1\n      risk_of_bias_note: Unblinded.\n      inconsistency: 0\n"
                                     "      imprecision: -2\n      direction:")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    with connect(db) as conn:
        data = bundle(conn, {})
    Bundle.model_validate(data)
    [ev] = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Evidence"]
    ratings = {s["type"]["coding"][0]["code"]: s.get("rating", {}).get("coding", [{}])[0].get("code")
               for s in ev["certainty"][0]["subcomponent"]}
    assert ratings == {"RiskOfBias": "serious-concern", "Inconsistency": "no-concern", "Indirectness": None,
                       "Imprecision": "very-serious-concern", "PublicationBias": None}
    assert ev["certainty"][0]["subcomponent"][0]["note"] == [{"text": "Unblinded."}]


def test_domain_codes_come_from_the_schema():
    assert [code for _, code in domain_fields()] == [
        "RiskOfBias", "Inconsistency", "Indirectness", "Imprecision", "PublicationBias",
        "LargeEffect", "DoseResponseGradient", "PlausibleConfounding"]


def test_citations_carry_identifiers_and_evidence_points_to_them(real_db):
    with connect(real_db) as conn:
        data = bundle(conn, {"source": ["kumar-2017"]})
    urls = {e["resource"]["id"]: e["fullUrl"] for e in data["entry"]}
    citation = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Citation")
    assert citation["citedArtifact"]["identifier"] == [
        {"system": "https://doi.org", "value": "10.1002/14651858.CD007935.pub2"},
        {"system": "https://pubmed.ncbi.nlm.nih.gov", "value": "28631816"}]
    evidence = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Evidence"]
    assert {ev["citeAsReference"]["reference"] for ev in evidence} == {urls["kumar-2017"]}


def test_bundle_is_reproducible(real_db):
    with connect(real_db) as conn:
        assert json.dumps(bundle(conn, {})) == json.dumps(bundle(conn, {}))
