"""A profile checker for the HL7 EBM IG, driven by the IG's own StructureDefinitions (tests/data/ebm-ig/).

The IG's repository keeps only each profile's differential (SUSHI writes no snapshot), so the checker
builds each profile's constraints by laying the differentials of its chain of IG profiles over one
another (base first), as a snapshot generator does for the elements a profile constrains; the R5 core
constraints are checked elsewhere (test_fhir.py against the official R5 JSON Schema, test_fhir_invariants.py
against the R5 FHIRPath invariants). What it checks, for every element a profile (or a profile it builds
on) constrains:

- cardinality (min, max), also of each slice;
- fixed[x] (exact) and pattern[x] values (FHIR's pattern semantics: what the pattern gives must be there);
- the allowed types of a choice element (``value[x]``);
- slicing: each item assigned to a slice by the slicing's discriminators (type value or pattern; the value
  read from the slice's element at the discriminator path, or for an extension slice from its profile's
  fixed ``url``); closed slicing rejects items that match no slice; each slice checked as an element;
- an element typed with a profile (extensions) checked against that profile;
- a Reference whose element names target profiles points to a resource (resolved in the Bundle) that
  declares one of them (or is of the core type named);
- every Coding whose system is a code system stored in tests/data/ebm-ig/CodeSystem uses a code it defines,
  with its display where it gives one.

A discriminator type, an element property or a required binding the checker does not implement raises, so a
profile it cannot read is never passed (extensible and preferred bindings constrain no instance).
Nothing in here knows any one profile: the StructureDefinitions are its only input.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

DATA = Path(__file__).resolve().parent / "data" / "ebm-ig"
CORE = "http://hl7.org/fhir/StructureDefinition/"
CONSTRAINT_KEYS = ("min", "max", "slicing", "type", "binding", "sliceName")
# what an ElementDefinition may say that constrains no instance (documentation, or a duty of the system)
DOCUMENTATION_KEYS = {"id", "path", "short", "definition", "comment", "requirements", "alias", "mustSupport",
                      "isSummary", "mapping", "label", "extension"}


def _prefixed(element: dict, prefix: str) -> Optional[tuple[str, Any]]:
    for key, value in element.items():
        if key.startswith(prefix) and key != prefix:
            return key, value
    return None


def matches_pattern(value: Any, pattern: Any) -> bool:
    """FHIR pattern[x]: every property the pattern gives is in the value, recursively; a repeating value
    matches when each pattern item is matched by some item of the value."""
    if isinstance(pattern, dict):
        if isinstance(value, list):
            return any(matches_pattern(v, pattern) for v in value)
        return isinstance(value, dict) and all(matches_pattern(value.get(k), p) for k, p in pattern.items())
    if isinstance(pattern, list):
        items = value if isinstance(value, list) else [value]
        return all(any(matches_pattern(v, p) for v in items) for p in pattern)
    if isinstance(value, list):
        return any(matches_pattern(v, pattern) for v in value)
    return value == pattern


def _values_at(item: Any, path: str) -> list:
    """The values at a dotted path under ``item`` (repeating elements flattened)."""
    current = [item]
    for step in path.split(".") if path != "$this" else []:
        nxt = []
        for node in current:
            if isinstance(node, dict) and step in node:
                v = node[step]
                nxt.extend(v if isinstance(v, list) else [v])
        current = nxt
    return current


class Profiles:
    """The stored StructureDefinitions and code systems."""

    def __init__(self, folder: Path = DATA):
        self.definitions = {}
        for f in sorted((folder / "StructureDefinition").glob("*.json")):
            sd = json.loads(f.read_text(encoding="utf-8"))
            self.definitions[sd["url"]] = sd
        self.codes: dict[str, dict[str, Optional[str]]] = {}  # system -> code -> display
        for f in sorted((folder / "CodeSystem").glob("*.json")):
            cs = json.loads(f.read_text(encoding="utf-8"))
            self.codes[cs["url"]] = dict(_all_codes(cs.get("concept", [])))

    def elements(self, url: str) -> dict[str, dict]:
        """Element id → constraints, the differentials of the profile's IG chain laid over one another."""
        if url not in self.definitions:
            raise KeyError(f"profile not stored: {url}")
        chain = []
        while url in self.definitions:
            chain.append(self.definitions[url])
            url = self.definitions[url]["baseDefinition"]
        merged: dict[str, dict] = {}
        for sd in reversed(chain):
            for e in sd["differential"]["element"]:
                unread = [k for k in e if k not in DOCUMENTATION_KEYS and k not in CONSTRAINT_KEYS
                          and not k.startswith(("fixed", "pattern"))]
                if unread or e.get("binding", {}).get("strength") == "required":
                    raise NotImplementedError(f"{sd['id']} {e['id']}: {unread or 'a required binding'} not checked")
                merged.setdefault(e["id"], {}).update(
                    {k: v for k, v in e.items() if k in CONSTRAINT_KEYS or k.startswith(("fixed", "pattern"))})
        return merged

    def core_type(self, url: str) -> str:
        """The core resource or data type a profile constrains."""
        return self.definitions[url]["type"]


def _all_codes(concepts: list) -> Iterator[tuple[str, Optional[str]]]:
    for c in concepts:
        yield c["code"], c.get("display")
        yield from _all_codes(c.get("concept", []))


class Checker:
    """Checks resources against the stored profiles; ``resolve`` finds a referenced resource (or None)."""

    def __init__(self, profiles: Profiles, resolve: Optional[Callable[[str], Optional[dict]]] = None):
        self.profiles = profiles
        self.resolve = resolve
        self._elements: dict[str, dict] = {}

    def elements(self, url: str) -> dict[str, dict]:
        if url not in self._elements:
            self._elements[url] = self.profiles.elements(url)
        return self._elements[url]

    def check(self, resource: dict) -> list[str]:
        """Problems of a resource against every stored profile it declares in meta.profile."""
        problems = []
        for declared in resource.get("meta", {}).get("profile", []):
            url, _, version = declared.partition("|")
            if url not in self.profiles.definitions:
                problems.append(f"{declared}: profile not stored, cannot be checked")
                continue
            problems += [f"{url.rsplit('/', 1)[-1]}: {p}" for p in self.against(resource, url)]
        problems += self.unknown_codes(resource)
        return list(dict.fromkeys(problems))  # a slice's children are walked with and without the slice

    def against(self, value: Any, url: str) -> list[str]:
        root = self.profiles.core_type(url)
        return list(self._element([value], _Context(self.elements(url), [root], [], root)))

    # --- the walk ------------------------------------------------------------------------------------

    def _element(self, values: list, ctx: "_Context") -> Iterator[str]:
        el = ctx.constraints
        where = ctx.where
        if "min" in el and len(values) < el["min"]:
            yield f"{where}: {len(values)} item(s), the profile wants at least {el['min']}"
        if "max" in el and el["max"] != "*" and len(values) > int(el["max"]):
            yield f"{where}: {len(values)} item(s), the profile allows at most {el['max']}"
        fixed, pattern = _prefixed(el, "fixed"), _prefixed(el, "pattern")
        for v in values:
            if fixed and v != fixed[1]:
                yield f"{where}: {json.dumps(v)[:120]} is not the fixed value {json.dumps(fixed[1])[:120]}"
            if pattern and not matches_pattern(v, pattern[1]):
                yield f"{where}: {json.dumps(v)[:120]} does not match the pattern {json.dumps(pattern[1])[:160]}"
        for t in el.get("type", []):
            for profile in t.get("profile", []):
                if profile in self.profiles.definitions:
                    for v in values:
                        yield from (f"{where} ({profile.rsplit('/', 1)[-1]}): {p}" for p in self.against(v, profile))
            targets = t.get("targetProfile", [])
            if t.get("code") == "Reference" and targets:
                for v in values:
                    yield from self._target(v, targets, where)
        slicing = ctx.slicing()
        if slicing:
            yield from self._slices(values, slicing, ctx)
        for v in values:
            if isinstance(v, dict):
                for name in ctx.child_names():
                    yield from self._child(v, name, ctx)

    def _child(self, node: dict, name: str, ctx: "_Context") -> Iterator[str]:
        child = ctx.child(name)
        if name.endswith("[x]"):
            stem = name[:-3]
            keys = [k for k in node if k.startswith(stem) and k[len(stem):][:1].isupper()]
            allowed = {t["code"] for t in child.constraints.get("type", [])}
            for k in keys:
                suffix = k[len(stem):]
                if allowed and suffix[0].lower() + suffix[1:] not in allowed and suffix not in allowed:
                    yield f"{child.where}: {k} is not an allowed type ({', '.join(sorted(allowed))})"
            values = [node[k] for k in keys]
        else:
            raw = node.get(name)
            values = [] if raw is None else raw if isinstance(raw, list) else [raw]
        yield from self._element(values, child)

    def _slices(self, values: list, slicing: dict, ctx: "_Context") -> Iterator[str]:
        names = ctx.slice_names()
        assigned: dict[str, list] = {n: [] for n in names}
        for v in values:
            hits = [n for n in names if all(self._discriminates(v, d, ctx.slice(n)) for d in slicing["discriminator"])]
            if hits:
                assigned[hits[0]].append(v)
            elif slicing.get("rules") == "closed":
                yield f"{ctx.where}: {json.dumps(v)[:160]} matches none of the slices {names} (closed slicing)"
        for n in names:
            yield from self._element(assigned[n], ctx.slice(n))

    def _discriminates(self, value: Any, discriminator: dict, slice_ctx: "_Context") -> bool:
        kind, path = discriminator["type"], discriminator["path"]
        if kind not in ("value", "pattern"):
            raise NotImplementedError(f"discriminator type {kind} at {slice_ctx.where}")
        expected = slice_ctx.at_path(path)
        if expected is None and path == "url":  # an extension slice: its profile fixes the url
            for t in slice_ctx.constraints.get("type", []):
                for profile in t.get("profile", []):
                    expected = ("fixedUri", profile)
        if expected is None:
            raise NotImplementedError(f"no fixed or pattern value for discriminator {path} at {slice_ctx.where}")
        key, wanted = expected
        found = _values_at(value, path)
        if key.startswith("fixed"):
            return any(v == wanted for v in found)
        return any(matches_pattern(v, wanted) for v in found)

    def _target(self, reference: Any, targets: list[str], where: str) -> Iterator[str]:
        ref = reference.get("reference") if isinstance(reference, dict) else None
        if not ref or self.resolve is None:  # no bundle to resolve in (the IG's examples stand alone)
            return
        resource = self.resolve(ref)
        if resource is None:
            yield f"{where}: {ref} does not resolve, so its profile cannot be checked"
            return
        declared = {p.partition("|")[0] for p in resource.get("meta", {}).get("profile", [])}
        ok = any(t in declared or (t.startswith(CORE) and t[len(CORE):] == resource["resourceType"]) for t in targets)
        if not ok:
            yield f"{where}: {ref} ({resource['resourceType']}) declares none of {', '.join(t.rsplit('/', 1)[-1] for t in targets)}"

    def unknown_codes(self, resource: Any, where: str = "") -> list[str]:
        """Codings whose system is a stored code system but whose code it does not define, or whose display
        is not the code system's display of that code."""
        problems = []
        if isinstance(resource, dict):
            system, code = resource.get("system"), resource.get("code")
            if isinstance(system, str) and isinstance(code, str) and system in self.profiles.codes:
                known = self.profiles.codes[system]
                if code not in known:
                    problems.append(f"{where or 'resource'}: code {code} is not in {system}")
                elif "display" in resource and known[code] is not None and resource["display"] != known[code]:
                    problems.append(f"{where or 'resource'}: display {resource['display']!r} of {code} is not "
                                    f"{known[code]!r} ({system})")
            for k, v in resource.items():
                problems += self.unknown_codes(v, f"{where}.{k}" if where else k)
        elif isinstance(resource, list):
            for i, v in enumerate(resource):
                problems += self.unknown_codes(v, f"{where}[{i}]")
        return problems


class _Context:
    """Where the walk is: the element ids (most general first) whose constraints apply to the values."""

    def __init__(self, elements: dict[str, dict], ids: list[str], slice_ids: list[str], where: str,
                 sliced: frozenset = frozenset()):
        self.elements, self.ids, self.slice_ids, self.where = elements, ids, slice_ids, where
        self.sliced = sliced  # ids whose slicing made this slice (not applied again to its items)

    @cached_property
    def constraints(self) -> dict:
        """The element's own constraints; a slice's cardinality is its own, not the sliced element's."""
        merged: dict = {}
        for i in self.ids:
            if i in self.elements and i not in self.slice_ids:
                merged.update({k: v for k, v in self.elements[i].items() if k != "slicing" or i not in self.sliced})
        if self.slice_ids:
            for key in ("min", "max"):
                merged.pop(key, None)
            for i in self.slice_ids:
                merged.update(self.elements.get(i, {}))
        return merged

    def slicing(self) -> Optional[dict]:
        for i in reversed(self.ids):
            if i not in self.sliced and "slicing" in self.elements.get(i, {}):
                return self.elements[i]["slicing"]
        return None

    def slice_names(self) -> list[str]:
        names: list[str] = []
        for i in self.ids:
            for eid in self.elements:
                if eid.startswith(i + ":") and "." not in eid[len(i) + 1:] and ":" not in eid[len(i) + 1:]:
                    if eid[len(i) + 1:] not in names:
                        names.append(eid[len(i) + 1:])
        return names

    def slice(self, name: str) -> "_Context":
        own = [f"{i}:{name}" for i in self.ids]
        return _Context(self.elements, self.ids + own, own, f"{self.where}:{name}", frozenset(self.ids))

    def child_names(self) -> list[str]:
        names: list[str] = []
        for i in self.ids:
            for eid in self.elements:
                if eid.startswith(i + "."):
                    step = eid[len(i) + 1:].split(".")[0].split(":")[0]
                    if step not in names:
                        names.append(step)
        return names

    def child(self, name: str) -> "_Context":
        return _Context(self.elements, [f"{i}.{name}" for i in self.ids], [], f"{self.where}.{name}")

    def at_path(self, path: str) -> Optional[tuple[str, Any]]:
        """The fixed or pattern value the slice gives at a discriminator path."""
        if path == "$this":
            candidates = self.slice_ids
        else:
            candidates = [f"{i}.{path}" for i in self.slice_ids]
        for eid in candidates:
            el = self.elements.get(eid, {})
            found = _prefixed(el, "fixed") or _prefixed(el, "pattern")
            if found:
                return found
        return None
