"""The FHIR R5 export against the FHIRPath invariants (constraints) of the official R5 StructureDefinitions,
beyond the JSON Schema check of test_fhir.py: each invariant of the types the bundle uses, evaluated with
fhirpathpy on every node its element path reaches.

tests/data/fhir-r5-invariants.json holds the invariants (and the element types the walk needs) read from the
npm package hl7.fhir.r5.core 5.0.0 (FHIR is CC0). Regenerate it with
    .venv/bin/python -m tests.test_fhir_invariants /path/to/hl7.fhir.r5.core-5.0.0.tgz
"""

from __future__ import annotations

import copy
import json
import sys
from functools import cache
from pathlib import Path
from typing import Iterator, Optional

import pytest

from evidence.exports.fhir import bundle
from evidence.read import connect

DATA = Path(__file__).resolve().parent / "data" / "fhir-r5-invariants.json"
PRIMITIVE = "primitive"  # the type map's kind for FHIR primitive types (string, code, markdown …)

# FHIR's own FHIRPath extension functions fhirpathpy lacks; an invariant calling one is skipped, with this reason
UNSUPPORTED = {
    "htmlChecks": "FHIR's XHTML narrative rules (htmlChecks) are not implemented by fhirpathpy",
    "conformsTo": "conformsTo() needs the profiles, not implemented by fhirpathpy",
    "memberOf": "memberOf() needs a terminology server, not implemented by fhirpathpy",
    "resolve": "resolve() needs reference resolution, not implemented by fhirpathpy",
    "lowBoundary": "lowBoundary() (FHIRPath 3.0 draft) is not implemented by fhirpathpy 2.2.4",
    "highBoundary": "highBoundary() (FHIRPath 3.0 draft) is not implemented by fhirpathpy 2.2.4",
    "comparable": "comparable() (FHIRPath 3.0 draft) is not implemented by fhirpathpy 2.2.4",
}


def has_value(inputs: list) -> list:
    """FHIR's hasValue() (FHIRPath in FHIR, §2.1.9.1.5.1 of the R5 spec): true for a single primitive that has a
    value. fhirpathpy 2.2.4 lacks it, and ele-1 (on every element) calls it, so it is given here."""
    return [len(inputs) == 1 and inputs[0] is not None and not isinstance(inputs[0], (dict, list))]


FUNCTIONS = {"hasValue": {"fn": has_value, "arity": {0: []}}}


# --- the walk: every node of a resource with the element path that defines it -------------------------------

def children(node: dict, path: str, elements: dict) -> Iterator[tuple[str, str, object]]:
    """(element path, type, value) for each value under ``node``, a complex value defined at ``path``
    (arrays expanded; choice types ``value[x]`` named by their element path, their type from the suffix)."""
    for key, value in node.items():
        if key == "resourceType" or key.startswith("_"):  # primitive extensions: none in the export
            continue
        child = f"{path}.{key}"
        if child in elements:
            kind = elements[child]
        else:  # a choice: valueQuantity is value[x] of type Quantity
            matches = [(p, t) for p, info in elements.items() if p.endswith("[x]") and p.rsplit(".", 1)[0] == path
                       and key.startswith(stem := p.rsplit(".", 1)[1][:-3])
                       for t in info["types"] if t[:1].upper() + t[1:] == key[len(stem):]]
            if len(matches) != 1:
                raise KeyError(f"{child} is no element of the R5 definitions read")
            child, kind = matches[0][0], {**elements[matches[0][0]], "types": [matches[0][1]]}
        for item in value if isinstance(value, list) else [value]:
            yield child, kind, item


def nodes(resource: dict, elements: dict) -> Iterator[tuple[str, str, object]]:
    """(path of the invariants that apply, base type path for fhirpathpy, node) for every node of a resource:
    the resource (under each of its types, its base types included), each element (under its element path),
    and each complex datatype value also under its type (``Reference`` for ref-1 …). Bundle entries' resources
    are resources of their own, not walked here."""
    kind = resource["resourceType"]
    for base in [kind, *elements[kind]["bases"]]:
        yield base, kind, resource
    yield from _walk(resource, kind, elements)


def _walk(node: dict, path: str, elements: dict) -> Iterator[tuple[str, str, object]]:
    for child, info, value in children(node, path, elements):
        if "contentReference" in info:
            target = info["contentReference"]
            yield child, target, value
            yield target, target, value
            yield from _walk(value, target, elements)
            continue
        [kind] = info["types"]  # one type, or the one a choice's suffix named
        yield child, child if kind in ("BackboneElement", "Element") else kind, value
        if kind == "Resource":  # Bundle.entry.resource
            continue
        if kind in ("BackboneElement", "Element"):
            yield from _walk(value, child, elements)
        elif elements.get(kind, {}).get("kind") != PRIMITIVE and isinstance(value, dict):
            yield kind, kind, value
            yield from _walk(value, kind, elements)


# --- extraction from the core package (run as a script to regenerate the data file) ------------------------

def read_definitions(tgz: Path) -> dict[str, dict]:
    """The R5 core's base definitions (resources, datatypes), by type."""
    import tarfile

    definitions = {}
    with tarfile.open(tgz) as archive:
        for member in archive:
            name = member.name.rsplit("/", 1)[-1]
            if member.name.startswith("package/StructureDefinition-") and name.endswith(".json"):
                sd = json.load(archive.extractfile(member))
                if sd.get("derivation") == "specialization" and sd["kind"] in (
                        "resource", "complex-type", "primitive-type"):
                    definitions[sd["type"]] = sd
    return definitions


def type_map(definitions: dict[str, dict]) -> dict[str, dict]:
    """Each element path's types (or contentReference), and each type's kind and base types."""
    elements = {}
    for kind, sd in definitions.items():
        bases, base = [], sd.get("baseDefinition", "")
        while base.rsplit("/", 1)[-1] in definitions:
            bases.append(base.rsplit("/", 1)[-1])
            base = definitions[bases[-1]].get("baseDefinition", "")
        elements[kind] = {"kind": PRIMITIVE if sd["kind"] == "primitive-type" else sd["kind"], "bases": bases}
        for e in sd["snapshot"]["element"][1:]:
            if "contentReference" in e:
                elements[e["path"]] = {"contentReference": e["contentReference"].split("#", 1)[1]}
            else:
                elements[e["path"]] = {"types": [t["code"] for t in e.get("type", [])]}
    return elements


def extract(tgz: Path, data: dict) -> dict:
    """The invariants of the resource types in ``data`` (a Bundle), their base types, and the complex
    datatypes its elements use, with the element types of those definitions."""
    definitions = read_definitions(tgz)
    everything = type_map(definitions)
    used = set()
    for resource in [data] + [e["resource"] for e in data["entry"]]:
        for path, _, _ in nodes(resource, everything):
            if "." not in path:
                used.add(path)
        used.update(everything[resource["resourceType"]]["bases"])
    used = {t for t in used if everything[t]["kind"] != PRIMITIVE}
    invariants = sorted(
        ({"path": e["path"], "key": c["key"], "severity": c["severity"], "human": c["human"],
          "expression": c["expression"]}
         for t in used for e in definitions[t]["snapshot"]["element"] for c in e.get("constraint", [])),
        key=lambda i: (i["path"], i["key"]))
    primitives = {t for t, sd in definitions.items() if sd["kind"] == "primitive-type"}
    return {
        "source": "hl7.fhir.r5.core 5.0.0 (npm package; FHIR is CC0): snapshot.element[].constraint[] of "
                  "package/StructureDefinition-<type>.json for the types below (resources, their base types, the "
                  "complex datatypes the export's elements use), and the element types of those definitions. "
                  "Regenerate with: python -m tests.test_fhir_invariants hl7.fhir.r5.core-5.0.0.tgz",
        "types": sorted(used),
        "invariants": invariants,
        "elements": {p: info for p, info in sorted(everything.items())
                     if p.split(".", 1)[0] in used or p in primitives},
    }


# --- evaluation ---------------------------------------------------------------------------------------------

@cache
def load() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def functions_called(expression: str) -> set[str]:
    from fhirpathpy.parser import parse

    found = set()

    def visit(node: dict) -> None:
        if node.get("type") == "Functn":
            found.add(node["children"][0]["text"])
        for c in node.get("children", []):
            visit(c)

    visit(parse(expression))
    return found


def skip_reason(expression: str) -> Optional[str]:
    reasons = [UNSUPPORTED[f] for f in sorted(functions_called(expression)) if f in UNSUPPORTED]
    return "; ".join(reasons) or None


@cache
def compiled(expression: str):
    import fhirpathpy
    from fhirpathpy.models import models

    return fhirpathpy.compile(expression, model=models["r5"], options={"userInvocationTable": FUNCTIONS})


def check(data: dict, severity: str = "error") -> tuple[list[str], dict]:
    """Failures of the invariants of ``severity`` on the Bundle and each of its resources (as
    "Type/id key path: expression -> result"), and counts: which invariants were evaluated, skipped,
    found no node to apply to."""
    from fhirpathpy.engine.nodes import ResourceNode

    spec = load()
    by_path: dict[str, list[dict]] = {}
    for inv in spec["invariants"]:
        if inv["severity"] == severity:
            by_path.setdefault(inv["path"], []).append(inv)
    failures, evaluated, skipped, evaluations = [], set(), {}, 0
    data = copy.deepcopy(data)  # fhirpathpy may annotate what it evaluates
    for resource in [data] + [e["resource"] for e in data.get("entry", [])]:
        root = ResourceNode.create_node(resource, resource["resourceType"])
        context = {"resource": root, "rootResource": root}
        name = f"{resource['resourceType']}/{resource.get('id')}"
        target = {k: v for k, v in resource.items() if k != "entry"} if resource is data else resource
        for path, base, node in nodes(target, spec["elements"]):
            for inv in by_path.get(path, []):
                reason = skip_reason(inv["expression"])
                if reason:
                    skipped[(inv["path"], inv["key"])] = reason
                    continue
                # the Bundle's own invariants (bdl-7 …) look at its entries
                value = resource if node is target else node
                result = compiled(inv["expression"])(ResourceNode.create_node(value, base), context)
                evaluations += 1
                evaluated.add((inv["path"], inv["key"]))
                if result != [True]:
                    failures.append(f"{name} {inv['key']} {path}: {inv['expression']} -> {result}")
    applicable = {(i["path"], i["key"]) for i in spec["invariants"] if i["severity"] == severity}
    return failures, {"evaluated": evaluated, "skipped": skipped, "evaluations": evaluations,
                      "not_applicable": applicable - evaluated - set(skipped)}


# --- tests --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(real_db) -> dict:
    with connect(real_db) as conn:
        return bundle(conn, {})


def test_the_invariants_are_the_r5_cores():
    spec = load()
    assert "hl7.fhir.r5.core 5.0.0" in spec["source"]
    keys = {(i["path"], i["key"]) for i in spec["invariants"]}
    assert len(keys) == len(spec["invariants"]) > 500
    assert spec["invariants"] == sorted(spec["invariants"], key=lambda i: (i["path"], i["key"]))
    assert {"Bundle", "Evidence", "EvidenceVariable", "Citation", "Composition", "ArtifactAssessment",
            "DomainResource", "Reference", "CodeableConcept", "Narrative"} <= set(spec["types"])
    ref2 = next(i for i in spec["invariants"] if i["key"] == "ref-2")
    assert ref2["path"] == "Reference" and ref2["expression"].startswith("reference.exists() or identifier.exists()")


def test_the_export_meets_every_error_invariant_fhirpathpy_can_evaluate(exported):
    failures, counts = check(exported)
    assert failures == []
    skipped_keys = sorted({key for _, key in counts["skipped"]})
    # htmlChecks() (txt-1, txt-2 on Narrative.div) is all this export's types call that fhirpathpy cannot
    assert skipped_keys == ["txt-1", "txt-2"], counts["skipped"]
    assert len(counts["evaluated"]) >= 40 and counts["evaluations"] > 10_000
    evaluated_keys = {key for _, key in counts["evaluated"]}
    assert {"ele-1", "ref-2", "cmp-1", "cmp-2", "bdl-7", "bdl-3a", "bdl-5", "dom-2", "dom-3"} <= evaluated_keys


def test_the_warnings_are_known(exported):
    failures, _ = check(exported, "warning")
    kinds = {(f.split(" ")[0].split("/")[0], f.split(" ")[1]) for f in failures}
    # dom-6: resources without a narrative (EvidenceVariable, Citation, ArtifactAssessment, the
    # Summary-of-Findings Compositions); cnl-0: EvidenceVariable.name is lower_snake_case, not an
    # upper-case-first identifier
    assert kinds <= {("EvidenceVariable", "dom-6"), ("Citation", "dom-6"), ("ArtifactAssessment", "dom-6"),
                     ("Composition", "dom-6"), ("EvidenceVariable", "cnl-0")}, failures[:5]


def planted(data: dict) -> dict:
    broken = copy.deepcopy(data)
    resources = {e["resource"]["resourceType"]: e["resource"] for e in reversed(broken["entry"])}
    resources["Evidence"]["relatedArtifact"][0]["resourceReference"] = {"type": "Citation"}  # ref-2
    resources["Composition"]["section"].append({"title": "Empty"})  # cmp-1: no text, entry or section
    resources["Citation"]["citedArtifact"]["classification"][0]["type"] = {}  # ele-1: an empty CodeableConcept
    broken["entry"].append(copy.deepcopy(broken["entry"][0]))  # bdl-7: a fullUrl twice
    return broken


def test_the_checker_reports_planted_faults(exported):
    broken = planted(exported)
    ev, comp, cit = (next(e["resource"] for e in reversed(broken["entry"][:-1]) if e["resource"]["resourceType"] == t)
                     for t in ("Evidence", "Composition", "Citation"))
    failures, _ = check(broken)
    assert {f.split(":")[0] for f in failures} == {
        f"Evidence/{ev['id']} ref-2 Reference",
        f"Composition/{comp['id']} cmp-1 Composition.section",
        f"Citation/{cit['id']} ele-1 Citation.citedArtifact.classification.type",
        f"Citation/{cit['id']} ele-1 CodeableConcept",
        "Bundle/evidence-export bdl-7 Bundle",
    }


if __name__ == "__main__":  # regenerate tests/data/fhir-r5-invariants.json from the core package
    import tempfile

    from evidence import build as builder

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "evidence.db"
        builder.build(Path(__file__).resolve().parent.parent / "data", db)
        with connect(db) as conn:
            exported_bundle = bundle(conn, {})
    spec = extract(Path(sys.argv[1]), exported_bundle)
    text = json.dumps(spec, indent=1, ensure_ascii=False)
    DATA.write_text(text + "\n", encoding="utf-8")
    print(f"{len(spec['invariants'])} invariants of {len(spec['types'])} types written to {DATA}")
