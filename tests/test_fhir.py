"""The HL7 FHIR R5 export, validated with the fhir.resources package."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from fhir.resources.bundle import Bundle

from evidence.cli import cli
from evidence.exports.fhir import bundle, domain_fields, write_ndjson
from evidence.read import connect
from tests.conftest import query


def test_bundle_validates_and_counts_match(real_db, tmp_path):
    out = tmp_path / "all.json"
    assert CliRunner().invoke(cli, ["export", "fhir", "--db", str(real_db), "-o", str(out)]).exit_code == 0
    parsed = Bundle.model_validate_json(out.read_text(encoding="utf-8"))
    kinds = [e.resource.get_resource_type() for e in parsed.entry]
    assert kinds.count("Evidence") == query(real_db, "select (select count(*) from findings) + "
                                                     "(select count(*) from economic_evaluations)")[0][0]
    assert kinds.count("Citation") == query(real_db, "select count(*) from sources")[0][0]
    profiles = [p for e in parsed.entry if e.resource.get_resource_type() == "Composition" for p in e.resource.meta.profile]
    assert profiles.count("http://hl7.org/fhir/uv/ebm/StructureDefinition/recommendation|1.0.0-ballot") == query(
        real_db, "select count(*) from recommendations")[0][0]
    with connect(real_db) as conn:
        from evidence.exports.sof import tables

        assert profiles.count("http://hl7.org/fhir/uv/ebm/StructureDefinition/summary-of-findings|1.0.0-ballot") == len(
            tables(conn, {}))
    assert kinds.count("EvidenceVariable") == query(real_db, "select count(distinct outcome) from findings")[0][0]


def resource(real_db, finding_id: str) -> dict:
    with connect(real_db) as conn:
        data = bundle(conn, {"source": [finding_id.rsplit("-", 1)[0]]})
    Bundle.model_validate(data)
    return next(e["resource"] for e in data["entry"] if e["resource"].get("id") == finding_id)


def test_evidence_has_variables_statistic_and_certainty(real_db):
    ev = resource(real_db, "kumar-2017-f3")
    roles = [v["variableRole"]["coding"][0]["code"] for v in ev["variableDefinition"]]
    assert roles == ["population", "exposure", "measuredVariable"]
    # one exposure variable with the comparator as its comparatorCategory, as the IG's comparative-evidence wants
    assert {"url": "http://hl7.org/fhir/uv/ebm/StructureDefinition/variable-definition-comparator-category",
            "valueString": "home programme"} in ev["variableDefinition"][1]["extension"]
    stat, *absolute = ev["statistic"]
    [(risk,)] = query(real_db, "select intervention_risk from findings where id = 'kumar-2017-f3'")
    assert len(absolute) == (3 if risk is not None else 0)  # comparator, intervention, difference per 1000
    assert stat["statisticType"]["coding"][0]["code"] == "C93152" and stat["quantity"]["value"] == 0.95
    assert stat["attributeEstimate"][0]["range"] == {"low": {"value": 0.85}, "high": {"value": 1.05}}
    assert stat["sampleSize"] == {"numberOfStudies": 1, "numberOfParticipants": 120}
    [overall] = ev["certainty"]
    assert overall["type"]["coding"][0] == {"system": "http://hl7.org/fhir/certainty-type", "code": "Overall"}
    assert overall["rating"]["coding"][0] == {"system": "http://hl7.org/fhir/certainty-rating", "code": "moderate"}
    # the seeds report no GRADE domains: said once, no five "not reported" subcomponents
    assert "subcomponent" not in overall and "does not report the reasons" in overall["note"][0]["text"]
    assert ev["meta"]["profile"][0] == "http://hl7.org/fhir/uv/ebm/StructureDefinition/comparative-evidence|1.0.0-ballot"
    assert "citeAsReference" not in ev and ev["relatedArtifact"][0]["type"] == "derived-from"


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
        {"system": "https://pubmed.ncbi.nlm.nih.gov", "value": "28631816"},
        {"system": "https://www.ncbi.nlm.nih.gov/pmc", "value": "PMC6481568"}]  # all three in published-facts.md
    form = citation["citedArtifact"]["publicationForm"][0]
    assert form["publishedIn"]["title"] == query(real_db, "select journal from sources where id = 'kumar-2017'")[0][0]
    assert citation["citedArtifact"]["classification"][0]["classifier"][0]["text"] == "Journal Article"
    contributors = citation["citedArtifact"]["contributorship"]
    assert contributors["entry"]
    # the summary lists the entries as a citation does, not with BibTeX's " and " (issue 29, item 5)
    assert contributors["summary"][0]["value"] == "; ".join(e["contributor"]["display"] for e in contributors["entry"])
    assert " and " not in contributors["summary"][0]["value"]
    evidence = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Evidence"]
    assert {ev["relatedArtifact"][0]["resourceReference"]["reference"] for ev in evidence} == {urls["kumar-2017"]}


def test_bundle_is_reproducible(real_db):
    with connect(real_db) as conn:
        assert json.dumps(bundle(conn, {})) == json.dumps(bundle(conn, {}))


R5_SCHEMA = None


def r5_errors(data: dict) -> list[str]:
    """Errors against the official R5 JSON Schema (npm hl7.fhir.r5.core 5.0.0, openapi/fhir.schema.json; FHIR is
    CC0), each resource checked against its own definition."""
    import gzip

    import jsonschema

    global R5_SCHEMA
    if R5_SCHEMA is None:
        from tests.conftest import ROOT

        R5_SCHEMA = json.load(gzip.open(ROOT / "tests" / "data" / "fhir.r5.schema.json.gz"))
    errors = []
    for entry in [{"resource": data}] + data.get("entry", []):
        resource = entry["resource"]
        schema = {"$ref": f"#/definitions/{resource['resourceType']}", "definitions": R5_SCHEMA["definitions"]}
        target = {k: v for k, v in resource.items() if k != "entry"} if resource["resourceType"] == "Bundle" else resource
        errors += [f"{resource['resourceType']}/{resource.get('id')}: {e.message[:200]}"
                   for e in jsonschema.Draft6Validator(schema).iter_errors(target)]
    return errors


def test_the_whole_bundle_is_valid_against_the_official_r5_json_schema(real_db):
    with connect(real_db) as conn:
        data = bundle(conn, {})
    assert r5_errors(data) == []
    broken = json.loads(json.dumps(data))
    broken["entry"][0]["resource"]["bogus"] = 1  # a fault the schema must catch
    assert any("bogus" in e for e in r5_errors(broken))


def test_a_filter_that_matches_nothing_gives_an_empty_bundle(real_db):
    with connect(real_db) as conn:
        data = bundle(conn, {"condition": ["cancer"], "certainty": ["high"], "outcome": ["job_loss"]})
    assert "entry" not in data  # FHIR JSON leaves out a repeating element with no items


def test_recommendations_rest_on_their_justification_and_modules_list_their_conclusions(real_db):
    """Issue 27 item 1: a recommendation relates to no Evidence the source does not attach to it; the guideline
    attaches its conclusions to the module's literature summary (question_findings), so the module lists them."""
    with connect(real_db) as conn:
        data = bundle(conn, {"source": ["kumar-2017"]})
    urls = {e["fullUrl"]: e["resource"] for e in data["entry"]}
    compositions = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Composition"]
    recommendations = [c for c in compositions if c["meta"]["profile"][0].endswith("/recommendation|1.0.0-ballot")]
    expected = query(real_db, "select count(*) from recommendations r where exists (select 1 from question_findings qf "
                              "where qf.question_id = r.question_id and qf.finding_id like 'kumar-2017-%')")[0][0]
    assert len(recommendations) == expected > 0
    for c in recommendations:
        targets = [urls[r["resourceReference"]["reference"]] for r in c["relatesTo"]]
        assert [t["resourceType"] for t in targets] == ["ArtifactAssessment"]
        assert [r["type"] for r in c["relatesTo"]] == ["derived-from"]
    modules = [c for c in compositions if c["id"].startswith("module-")]
    listed = {ref["reference"] for m in modules for s in m["section"] for ref in s.get("entry", [])
              if urls[ref["reference"]]["resourceType"] == "Evidence"}
    assert {urls[u]["id"] for u in listed} == {row[0] for row in query(
        real_db, "select distinct finding_id from question_findings where finding_id like 'kumar-2017-%'")}


def test_no_resource_says_a_recommendation_rests_on_evidence(real_db):
    with connect(real_db) as conn:
        data = bundle(conn, {})
    kinds = {e["fullUrl"]: e["resource"]["resourceType"] for e in data["entry"]}
    recommendations = [e["resource"] for e in data["entry"] if "/recommendation|" in str(e["resource"].get("meta"))]
    assert len(recommendations) == query(real_db, "select count(*) from recommendations")[0][0]
    assert not [r["id"] for r in recommendations
                if any(kinds[x["resourceReference"]["reference"]] == "Evidence" for x in r["relatesTo"])]
    # each recommendation's own evidence basis is said where the data record one
    for r in recommendations:
        [(basis,)] = query(real_db, "select evidence_basis from recommendations where id = ?", (r["id"],))
        assert any(s["code"]["coding"][0]["code"] == "evidence" for s in r["section"]) == (basis is not None)


def test_comparative_findings_are_exported_as_comparative(real_db):
    """A finding with a relative effect or a mean difference compares, whether or not a comparator is named."""
    with connect(real_db) as conn:
        data = bundle(conn, {})
    declared = {e["resource"]["id"]: e["resource"]["meta"]["profile"] for e in data["entry"]
                if e["resource"]["resourceType"] == "Evidence" and "meta" in e["resource"]}
    with_effect = [row[0] for row in query(real_db, "select id from findings where effect is not null")]
    assert "de-boer-2024-f4" in with_effect and "van-gils-2012a-f2" in with_effect  # named in issue 25
    for finding in with_effect:
        assert declared[finding][0].endswith("/comparative-evidence|1.0.0-ballot"), finding


def test_study_design_and_synthesis_type_come_from_the_vocabulary(real_db):
    """SEVCO codes are attributes of the design terms (scales.yaml); each is checked against R5 core's
    study-design code system by the profile test's code check."""
    from evidence.vocabulary import scales

    with connect(real_db) as conn:
        data = bundle(conn, {})
    evidence = {e["resource"]["id"]: e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Evidence"}
    for finding, design, evidence_design, studies in query(
            real_db, "select f.id, s.design, f.evidence_design, f.studies_n from findings f join sources s on s.id = f.source_id"):
        term = scales().term("evidence_design", evidence_design) if evidence_design else scales().term("design", design)
        codes = [c["coding"][0]["code"] for c in evidence[finding].get("studyDesign", [])]
        assert codes == (term.get("fhir_code") or "").split(), finding
        if studies == 1:
            assert evidence[finding]["synthesisType"]["coding"][0]["code"] == "NotApplicable"
    rct = [f for f, d in query(real_db, "select f.id, s.design from findings f join sources s on s.id = f.source_id")
           if d == "rct"]
    assert rct and all([c["coding"][0]["code"] for c in evidence[f]["studyDesign"]] == ["SEVCO:01001", "SEVCO:01003"]
                       for f in rct)  # RCT = interventional research + randomized assignment (issue 25)


def no_empty_values(node, where="") -> list[str]:
    """Paths of empty arrays, objects or strings: FHIR JSON leaves out an element with no value."""
    if isinstance(node, dict):
        return ([where] if not node else []) + [p for k, v in node.items() for p in no_empty_values(v, f"{where}.{k}")]
    if isinstance(node, list):
        return ([where] if not node else []) + [p for i, v in enumerate(node) for p in no_empty_values(v, f"{where}[{i}]")]
    return [where] if node == "" else []


def test_no_empty_arrays_anywhere(real_db):
    with connect(real_db) as conn:
        for filters in ({}, {"condition": ["cancer"]}, {"condition": ["cancer"], "certainty": ["high"], "outcome": ["job_loss"]}):
            assert no_empty_values(bundle(conn, filters)) == []
        assert no_empty_values({"a": [{"b": []}]}) == [".a[0].b"]  # the check finds what it looks for


def test_the_release_is_a_tag_not_the_servers_version_id(real_db):
    with connect(real_db) as conn:
        meta = bundle(conn, {})["meta"]
    assert "versionId" not in meta
    [(content_hash,)] = query(real_db, "select content_hash from build_info")
    assert content_hash in [t["code"] for t in meta["tag"]]
    assert all(not t["system"].startswith("urn:evidence-db") for t in meta["tag"])


def test_a_sub_module_is_part_of_its_parent_and_claims_no_conclusions_of_its_own():
    """A sub-module (questions.parent, issue 27 item 2) shares its parent's conclusions: it is part of the
    parent's Composition and does not say the guideline gives it no conclusions; its considerations are listed."""
    from evidence.exports.fhir import full_url, module

    q = {"id": "q3", "module": "Kernboodschap", "question": "Vraag?", "last_authorised": "2024-01-01",
         "last_assessed": None, "parent": "q2"}
    c = {"criterion_name": "practical information", "heading": "Basisvragen", "quote": "Vraag naar werk."}
    sub = module(q, [], [], [c], unfiltered=True)
    assert sub["relatesTo"] == [{"type": "part-of", "resourceReference": {"reference": full_url("Composition", "module/q2")}}]
    assert [s["title"] for s in sub["section"]] == ["Question", "Considerations"]
    assert sub["section"][1]["section"][0]["title"] == "practical information: Basisvragen"
    top = module({**q, "parent": None}, [], [], [], unfiltered=True)
    assert "no GRADE conclusions" in json.dumps(top) and "relatesTo" not in top


def test_identifier_systems_are_on_the_sites_url(real_db, tmp_path, monkeypatch):
    from evidence.exports import fhir

    # without a site_url, a registered URN namespace (urn:uuid), never an invented urn:evidence-db
    with connect(real_db) as conn:
        resources = [e["resource"] for e in bundle(conn, {"source": ["kumar-2017"]})["entry"]]
    assert all(i["system"].startswith("urn:uuid:") for r in resources for i in r.get("identifier", []))
    (tmp_path / "metadata.yml").write_text("title: t\nsite_url: https://evidence.example/\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    fhir.site_url.cache_clear()
    try:
        with connect(real_db) as conn:
            data = bundle(conn, {"source": ["kumar-2017"]})
    finally:
        fhir.site_url.cache_clear()
    ev = next(e["resource"] for e in data["entry"] if e["resource"]["id"] == "kumar-2017-f3")
    assert ev["identifier"] == [{"system": "https://evidence.example/finding", "value": "kumar-2017-f3"}]
    assert {t["system"] for t in data["meta"]["tag"]} <= {"https://evidence.example/content-hash",
                                                          "https://evidence.example/release"}


def test_every_reference_resolves_in_the_bundle(real_db):
    def references(node) -> list[str]:
        if isinstance(node, dict):
            own = [node["reference"]] if isinstance(node.get("reference"), str) else []
            return own + [r for v in node.values() for r in references(v)]
        return [r for v in node for r in references(v)] if isinstance(node, list) else []

    with connect(real_db) as conn:
        for filters in ({}, {"condition": ["cancer"]}, {"source": ["kumar-2017"]}):
            data = bundle(conn, filters)
            urls = {e["fullUrl"] for e in data["entry"]}
            found = references(data)
            assert found and [r for r in found if r not in urls] == [], filters


def test_ndjson_holds_the_bundles_resources_one_a_line_each_with_the_release(real_db):
    """FHIR bulk data (NDJSON): the Bundle's resources in its order, one per line; a line read alone still
    says which build it is (the Bundle's meta tags on each resource). Oracle: the Bundle itself."""
    with connect(real_db) as conn:
        for filters in ({}, {"condition": ["cancer"]}, {"certainty": ["moderate"]}):
            whole = bundle(conn, filters)
            out = io.BytesIO()
            count = write_ndjson(conn, filters, out)
            lines = out.getvalue().decode("utf-8").splitlines()
            assert count == len(lines) == len(whole.get("entry", []))
            tags = whole["meta"]["tag"]
            for line, entry in zip(lines, whole.get("entry", [])):
                resource = json.loads(line)
                assert resource.pop("meta")["tag"][-len(tags):] == tags
                assert resource == {k: v for k, v in entry["resource"].items() if k != "meta"}

