"""Controlled vocabularies: each term with its labels and what it means to the code.

The fixed scales (GRADE certainty, domain ratings, designs, statuses, effect measures, …) live in
``evidence/scales.yaml``; the vocabularies curators extend (conditions, documents, intervention types,
outcomes) in ``data/vocabulary/<kind>.yaml``. Both are validated like the data: a missing label or
an unknown attribute is a ``FILE:LINE`` problem. Every term is written into the database's
``vocabulary`` table with its attributes, so SQL orders by rank through a join.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

from .inputs import CURATED, parse_yaml
from .languages import name_columns, others
from .problems import EvidenceError, Problem

SCALES = Path(__file__).with_name("scales.yaml")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# The cues of GRADE's informative-statement wording a certainty names (wording_needs, wording_excludes);
# evidence/grade.py (CUES) reads each in a statement.
CUES = ("may", "probably or likely", "very uncertain", "the evidence is very uncertain")

# What a term may hold, in order, defined once: (attribute, kind, required). The model every problem is
# pydantic's from (``term_model``) is made from it, and ``fast_term`` reads a term without pydantic (so a
# build that validates a few records loads none). Kinds: "text" (stripped, not empty), "str", "int",
# "bool" (default false), "colour" (#rrggbb), a tuple of the values allowed, or a list ("texts", or
# ("list", values allowed)). name_<code>: one for each language but English (evidence/languages/).
TERM_FIELDS: tuple[tuple[str, object, bool], ...] = (
    ("name", "text", True),
    *((f"name_{code}", "text", True) for code in others()),
    ("description", "text", False),
    ("parent", "str", False),
    ("rank", "int", False),
    ("symbol", "text", False),
    ("colour", "colour", False),
    ("background", "colour", False),
    ("fhir_code", "text", False),
    ("fhir_display", "text", False),
    ("fhir_system", "text", False),
    ("grade_start", "str", False),
    ("pending", "bool", False),
    ("in_overviews", "bool", False),
    ("scale", ("ratio", "difference"), False),
    ("footnote", "text", False),
    ("desirable", ("higher", "lower"), False),
    ("synonyms", "texts", False),  # other words for the term (Dutch, English): the search index reads them
    ("wording", "text", False),  # the wording GRADE expects at this certainty, as the curator is told
    ("wording_needs", ("list", CUES), False),  # a statement at this certainty holds one of these cues
    ("wording_excludes", ("list", CUES), False),  # … and none of these
    ("published", "bool", False),  # a document that is a published paper's abstract (not a source document)
)
ATTRIBUTES = tuple(name for name, _, _ in TERM_FIELDS)
DEFAULTS = {name: False if kind == "bool" else None for name, kind, _ in TERM_FIELDS}  # (a required one: None)
REQUIRED = frozenset(name for name, _, required in TERM_FIELDS if required)


@lru_cache(maxsize=1)
def term_model() -> type:
    """TermIn, the pydantic model of a term as written in a vocabulary file: unknown attributes are
    errors, nothing is converted (strict)."""
    from pydantic import ConfigDict, StringConstraints, create_model
    from typing_extensions import Annotated

    text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    simple = {"text": text, "str": str, "int": int, "bool": bool,
              "colour": Annotated[str, StringConstraints(pattern=rf"^{COLOUR.pattern}$")]}
    fields = {}
    for name, kind, required in TERM_FIELDS:
        if isinstance(kind, tuple):
            annotation = list[Literal[kind[1]]] if kind[0] == "list" else Literal[kind]  # type: ignore[valid-type]
        else:
            annotation = list[text] if kind == "texts" else simple[kind]
        fields[name] = (annotation, ...) if required else (annotation if kind == "bool" else Optional[annotation],
                                                           DEFAULTS[name])
    return create_model("TermIn", __config__=ConfigDict(extra="forbid", strict=True),
                        __doc__="A term as written in a vocabulary file; unknown attributes are errors.", **fields)


def _text(value: object) -> bool:
    """Text that stripping leaves as it is, and not empty: what the model keeps unchanged."""
    return type(value) is str and value != "" and not value[0].isspace() and not value[-1].isspace()


def _fits(kind: object, value: object) -> bool:
    """Whether ``value`` is one the model takes and holds unchanged (else the model decides)."""
    if isinstance(kind, tuple):
        if kind[0] == "list":
            return type(value) is list and all(type(v) is str and v in kind[1] for v in value)
        return type(value) is str and value in kind
    if kind == "text":
        return _text(value)
    if kind == "texts":
        return type(value) is list and all(map(_text, value))
    if kind == "colour":
        return type(value) is str and COLOUR.fullmatch(value) is not None
    return type(value) is {"str": str, "int": int, "bool": bool}[kind]


KINDS = {name: kind for name, kind, _ in TERM_FIELDS}


def fast_term(attributes: object) -> Optional[dict]:
    """The term as ``term_model().model_validate(attributes).model_dump()`` gives it, when every attribute
    holds a value the model keeps unchanged; None otherwise (the model then decides, and names the problems)."""
    if type(attributes) is not dict or not REQUIRED <= attributes.keys():
        return None
    values = dict(DEFAULTS)
    for name, value in attributes.items():
        kind = KINDS.get(name) if type(name) is str else None
        if kind is None or not (_fits(kind, value) or (value is None and name not in REQUIRED and kind != "bool")):
            return None
        values[name] = list(value) if type(value) is list else value
    return values


def stored(value: object) -> object:
    """An attribute as the vocabulary table holds it: a list (synonyms) as one text, separated by '; '."""
    return "; ".join(value) if isinstance(value, list) else value


@dataclass
class Vocabulary:
    """Every vocabulary: {kind: {term id: attributes}} in file order."""

    kinds: dict[str, dict[str, dict]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # vocabularies whose file could not be read: not checked

    def checks(self, kind: str) -> bool:
        """Whether values of ``kind`` can be checked (its file was read)."""
        return kind not in self.broken

    def terms(self, kind: str) -> dict[str, dict]:
        return self.kinds.get(kind, {})

    def term(self, kind: str, value: object) -> Optional[dict]:
        return self.terms(kind).get(str(value)) if value is not None else None

    def name(self, kind: str, value: object) -> str:
        term = self.term(kind, value)
        return term["name"] if term else str(value)

    def ranked(self, kind: str) -> list[str]:
        """Term ids, highest rank first (most certain first for certainty)."""
        terms = self.terms(kind)
        return sorted(terms, key=lambda t: -(terms[t]["rank"] or 0))

    def where(self, kind: str, attribute: str) -> list[str]:
        """The ids of the terms whose ``attribute`` is set (true or non-empty)."""
        return [t for t, a in self.terms(kind).items() if a.get(attribute)]

    def suggestion(self, kind: str, value: object) -> str:
        """' (did you mean 'x'?)' for the closest term, or '' when nothing is close."""
        options = list(self.terms(kind))
        close = difflib.get_close_matches(str(value).lower().replace(" ", "_"), options, n=1, cutoff=0.6)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def family(self, kind: str, value: str) -> str:
        """The topmost ancestor of a term (itself when it has no parent)."""
        seen = {value}
        while (parent := (self.term(kind, value) or {}).get("parent")) and parent not in seen:
            seen.add(parent)
            value = parent
        return value

    def merged(self, other: "Vocabulary") -> "Vocabulary":
        return Vocabulary({**self.kinds, **other.kinds}, self.broken | other.broken)


def label(term: dict) -> str:
    """The English name with its names in the other languages beside it, each once: "cancer (kanker)"."""
    others = []
    for column in name_columns()[1:]:
        name = term[column]
        if name.lower() != term["name"].lower() and name.lower() not in map(str.lower, others):
            others.append(name)
    return f"{term['name']} ({'; '.join(others)})" if others else term["name"]


def check_kind(kind: str, data: object, file: str, line_of) -> tuple[dict[str, dict], list[Problem]]:
    """Validate one vocabulary (a mapping of term ids to attributes); problems name FILE:LINE."""
    if not isinstance(data, dict):
        return {}, [Problem(file, f"vocabulary '{kind}' must be a mapping of term ids to their names", line=line_of(()))]
    terms, problems = {}, []
    for term_id, attributes in data.items():
        where = (term_id,)
        if not isinstance(term_id, str) or not term_id:
            problems.append(Problem(file, f"term ids must be text, not {term_id!r}", field=kind, line=line_of(where)))
            continue
        terms[term_id] = fast_term(attributes)  # None: the model decides, and names the problems
        if terms[term_id] is not None:
            continue
        from pydantic import ValidationError

        try:
            terms[term_id] = term_model().model_validate(attributes).model_dump()
        except ValidationError as e:
            terms[term_id] = _placeholder(term_id)  # known, so records using it are not reported again
            for err in e.errors():
                loc = err["loc"]
                name = ".".join(map(str, loc)) or "term"
                if err["type"] == "extra_forbidden":
                    close = difflib.get_close_matches(str(loc[-1]), ATTRIBUTES, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else f"; attributes: {', '.join(ATTRIBUTES)}"
                    message = f"unknown attribute{hint}"
                elif err["type"] == "missing":
                    message = "required attribute is missing"
                elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
                    message = f"must be a mapping of attributes ({', '.join(name_columns())}, …)"
                else:
                    message = f"{err['msg']} (got {err['input']!r})"
                problems.append(Problem(file, message, field=f"{kind}.{term_id}.{name}" if loc else f"{kind}.{term_id}",
                                        line=line_of((*where, *loc))))
    for term_id, attributes in terms.items():
        parent = attributes["parent"]
        if parent is not None and parent not in terms:
            problems.append(Problem(file, f"parent '{parent}' is not a {kind}", field=f"{kind}.{term_id}.parent",
                                    line=line_of((term_id, "parent"))))
    problems += _cycles(kind, terms, file, line_of)
    if kind in CURATED:  # the fixed scales (evidence/scales.yaml) have ids such as -1 and no pages
        problems += _ids_and_names(kind, terms, file, line_of)
    return terms, problems


TERM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # a term's id is part of a page address (/condition/<id>)


def _ids_and_names(kind: str, terms: dict[str, dict], file: str, line_of) -> list[Problem]:
    """Term ids that make an address (letters, digits, '_', '.', '-'); names that tell terms apart (one
    name, one term, in each language)."""
    problems = []
    named: dict[tuple[str, str], str] = {}
    for term_id, attributes in terms.items():
        if not TERM_ID.fullmatch(term_id):
            problems.append(Problem(file, f"term id '{term_id}' may hold only letters, digits, '_', '.' and '-' (it is "
                                    "part of a page address)", field=f"{kind}.{term_id}", line=line_of((term_id,))))
        for language in name_columns():
            name = attributes.get(language)
            if not isinstance(name, str) or attributes == _placeholder(term_id):
                continue
            other = named.setdefault((language, name.strip().casefold()), term_id)
            if other != term_id:
                problems.append(Problem(file, f"'{name}' is also the {language} of '{other}' (line {line_of((other,))}); "
                                        "one name, one term", field=f"{kind}.{term_id}.{language}",
                                        line=line_of((term_id, language))))
    return problems


def _placeholder(term_id: str) -> dict:
    return {**DEFAULTS, **dict.fromkeys(name_columns(), term_id)}


def _cycles(kind: str, terms: dict[str, dict], file: str, line_of) -> list[Problem]:
    problems = []
    for start in terms:
        seen, value = [start], terms[start]["parent"]
        while value in terms and value not in seen:
            seen.append(value)
            value = terms[value]["parent"]
        if value == start:
            problems.append(Problem(file, f"parents form a cycle: {' → '.join([*seen, start])}",
                                    field=f"{kind}.{start}.parent", line=line_of((start, "parent"))))
    return problems


@lru_cache(maxsize=1)
def scales() -> Vocabulary:
    """The fixed scales of the package, validated (a broken scales.yaml is a clear error)."""
    doc, problem = parse_yaml(SCALES, SCALES.read_text(encoding="utf-8"), "a mapping of scales")
    problems = [problem] if problem else []
    kinds = {}
    if not problems:
        for kind, data in doc.data.items():
            kinds[kind], found = check_kind(kind, data, doc.name, lambda path, k=kind: doc.line_of((k, *path)))
            problems += found
    cross = _check_references(Vocabulary(kinds), doc.name, lambda path: doc.line_of(path))
    if problems or cross:
        raise EvidenceError("\n".join(str(p) for p in [*problems, *cross]))
    return Vocabulary(kinds)


def _check_references(vocab: Vocabulary, file: str, line_of) -> list[Problem]:
    """Attributes that name terms of another scale: grade_start names a certainty; and each certainty
    says what wording GRADE expects at it (wording, said to the curator whose statement does not fit)."""
    problems = []
    for kind, terms in vocab.kinds.items():
        for term_id, attributes in terms.items():
            if kind == "certainty" and not attributes.get("wording"):
                problems.append(Problem(file, "a certainty needs its wording (what GRADE expects a statement to say)",
                                        field=f"{kind}.{term_id}.wording", line=line_of((kind, term_id))))
            start = attributes.get("grade_start")
            if start is not None and start not in vocab.terms("certainty"):
                problems.append(Problem(file, f"grade_start '{start}' is not a certainty",
                                        field=f"{kind}.{term_id}.grade_start", line=line_of((kind, term_id, "grade_start"))))
    return problems


def terms(kind: str) -> dict[str, dict]:
    """The terms of a fixed scale (the curated vocabularies come with the data: see inputs)."""
    return scales().terms(kind)
