"""Validation: turns loaded inputs into table rows, collecting every problem in one run.

Each problem names the failing record (``kumar-2017-f2.certainty``) and keeps its YAML key path;
the path becomes a line number only when the problem is reported (``resolve_lines``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence, Union

from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

from . import fast_records, grade, provenance
from .bibtex import BibEntry
from .columns import VOCABULARY_FIELDS
from .inputs import Inputs
from .languages import name_columns
from .latex import plain
from .problems import Problem, Report
from .storage import FindingRow, StudyResultRow
from .vocabulary import CURATED, ATTRIBUTES, Vocabulary, check_kind, label, scales, stored
from .yaml_fast import LazyItems, Unparsable
from .yaml_safe import YamlFile

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .schema import FindingIn, SourceIn

# The records are read by evidence/fast_records.py (columns.py's copy of the models' fields); the schema and
# pydantic are loaded only for a record it leaves to the model (or for the checks of a whole build), so an
# incremental build of a few valid records loads neither.

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PMID = re.compile(r"^[1-9]\d{0,8}$")

NESTED = {"findings": "FindingIn", "economic_evaluations": "EconomicIn"}  # the input models (schema), by name

Rows = dict[str, list[dict]]


def validate(inputs: Inputs, partial: bool = False, ids: Optional[dict[Path, list]] = None) -> tuple[Rows, Report]:
    """Check every record and return the rows of each table with the problems found.

    ``partial``: the inputs hold only some of the sources (an incremental build re-reads what
    changed); what spans all records (links between records, the guideline's links to findings, the
    letters that tell sources of one label apart) is then left to the caller, which sees them all.
    ``ids``, when given, receives the id of each record of each data file, in file order.
    """
    report = Report(list(inputs.problems))
    vocab = scales().merged(curated_vocabulary(inputs.vocabulary_files, report))
    rows: Rows = defaultdict(list)
    bib = inputs.bibliography.entries if inputs.bibliography else {}
    seen: dict[str, tuple[YamlFile, tuple]] = {}
    cited: set[str] = set()
    documents = provenance.Documents.load(inputs.root)
    report.add(*documents.not_checked(partial))
    unchecked: set[str] = set()  # findings of sources with errors: a link to one is not an error again
    for doc in inputs.yaml_files:
        if doc.data is not None:
            checker = FileChecker(doc, report, bib, seen, cited, vocab, documents)
            checker.unchecked = unchecked
            checker.check(rows)
            if ids is not None:
                ids[doc.path] = checker.ids
            doc.data = None  # the rows hold what the build needs; the raw records would double the memory
    if inputs.bibliography:
        check_bibliography(inputs.bibliography.name, bib, cited, report)
    if not partial:
        from .guideline import check_guideline

        check_links(rows["findings"], seen, report)
        check_links(rows["economic_evaluations"], seen, report)
        check_study_sources(rows["study_results"], rows["sources"], seen, report)
        rows.update(check_guideline(inputs.guideline_files, {f["id"] for f in rows["findings"]}, vocab, report,
                                    frozenset(s["id"] for s in rows["sources"]), **guideline_links(rows, unchecked)))
        check_provenance(documents, inputs, vocab, report)
        rows.update(vocabulary_rows(vocab))
        add_labels(rows["sources"])
    resolve_lines(report, [*inputs.yaml_files, *inputs.guideline_files, *inputs.vocabulary_files])
    return rows, report


def check_provenance(documents: provenance.Documents, inputs: Inputs, vocab: Vocabulary, report: Report) -> None:
    """What spans the whole run: every document term is a source document, and the guideline's quotes
    are in their documents (the records' quotes are checked as each record is read)."""
    known = set(vocab.terms("document")) if vocab.checks("document") else None
    for doc in inputs.vocabulary_files:
        if doc.path.stem == "document" and known is not None:
            report.add(*documents.unknown_terms(vocab.terms("document"), doc.name))
    report.add(*provenance.guideline_problems(documents, inputs.guideline_files, known))


def check_links(records: list[dict], seen: dict, report: Report) -> None:
    """same_result_as names another record of the same table, which is not itself a repeat (one result,
    one row)."""
    ids, repeats = {r["id"] for r in records}, {r["id"] for r in records if r["same_result_as"]}
    for r in records:
        target = r["same_result_as"]
        if target is None:
            continue
        doc, path = seen[r["id"]]
        where = dict(field=f"{r['id']}.same_result_as", path=(*path, "same_result_as"))
        if target == r["id"] or target not in ids:
            report.add(Problem(doc.name, f"'{target}' is not another record of the same kind", **where))
        elif target in repeats:
            report.add(Problem(doc.name, f"'{target}' itself repeats another record; link to the one it repeats", **where))


def finding_ids_of(raw: dict) -> list[str]:
    """The full ids of a raw source's findings, as far as they can be read."""
    findings = raw.get("findings")
    return [f"{raw.get('id')}-{f['id']}" for f in findings if isinstance(f, dict) and isinstance(f.get("id"), str)] \
        if isinstance(findings, list) else []


def guideline_links(rows: Rows, unchecked: set[str]) -> dict[str, frozenset[str]]:
    """What check_guideline needs to know of the findings beyond their ids."""
    return {"unchecked": frozenset(unchecked),
            "superseded": frozenset(f["id"] for f in rows["findings"] if f["source_status"] == "superseded")}


def check_study_sources(studies: list, sources: list, seen: dict, report: Report) -> None:
    """A study's source_id names a curated source (else the build's foreign-key check would fail without
    a line)."""
    ids = {s["id"] for s in sources}
    for study in studies:
        if study["source_id"] is not None and study["source_id"] not in ids:
            doc, path = seen[study["finding_id"]]
            report.add(Problem(doc.name, f"'{study['source_id']}' is not a source id", field=f"{study['finding_id']}.studies",
                               path=(*path, "studies", study["position"] - 1, "source_id")))


def curated_vocabulary(docs: list[YamlFile], report: Report) -> Vocabulary:
    """data/vocabulary/<kind>.yaml: one curated vocabulary per file, validated like the data. A file
    that could not be read is reported where it fails; values of its kind are then not checked."""
    kinds: dict[str, dict[str, dict]] = {}
    broken: set[str] = set()
    for doc in docs:
        kind = doc.path.stem
        if kind not in CURATED:
            report.add(Problem(doc.name, f"'{kind}' is not a curated vocabulary; files: "
                               f"{', '.join(k + '.yaml' for k in CURATED)}", line=1))
        elif doc.data is None:
            broken.add(kind)
        else:
            kinds[kind], problems = check_kind(kind, doc.data, doc.name, doc.line_of)
            report.add(*problems)
    missing = [k for k in CURATED if k not in kinds and k not in broken]
    if docs and missing:
        folder = docs[0].path.parent
        report.add(*(Problem(str(folder / f"{k}.yaml"), f"the curated vocabulary '{k}' is missing", line=1) for k in missing))
    return Vocabulary(kinds, broken)


def vocabulary_rows(vocab: Vocabulary) -> Rows:
    """The term tables (conditions, outcomes, …) and the vocabulary table, with every attribute."""
    from .schema import TERM_TABLES

    rows: Rows = {}
    for table in TERM_TABLES:
        rows[table.__tablename__] = [
            {"id": k, "label": label(v), **{c: v[c] for c in name_columns()}, "description": v["description"],
             "parent": v["parent"], "family": vocab.family(table.__vocabulary__, k)}
            for k, v in vocab.terms(table.__vocabulary__).items()
        ]
    rows["vocabulary"] = [{"kind": kind, "id": k, "label": label(v), **{a: stored(v[a]) for a in ATTRIBUTES}}
                          for kind, values in vocab.kinds.items() for k, v in values.items()]
    return rows


class FileChecker:
    """Validates the records of one YAML file."""

    def __init__(self, doc: YamlFile, report: Report, bib: dict[str, BibEntry], seen: dict, cited: set,
                 vocab: Vocabulary, documents: Optional[provenance.Documents] = None):
        self.doc, self.report, self.bib, self.seen, self.cited = doc, report, bib, seen, cited
        self.vocab = vocab
        self.documents = documents or provenance.Documents(off=True)
        self.known_documents = set(vocab.terms("document")) if vocab.checks("document") else None
        # each model's vocabulary fields whose vocabulary can be checked, with its terms
        self.checked = {model: [(name, kind, vocab.terms(kind)) for name, kind in fields if vocab.checks(kind)]
                        for model, fields in VOCABULARY_FIELDS.items()}
        self.ids: list[Optional[str]] = []  # the id of each record, in file order (for input_blocks)
        self.unchecked: set[str] = set()  # the findings of records with errors (see guideline_links)

    def problem(self, path: Sequence, field_name: str, message: str, **kw: Any) -> None:
        self.report.add(Problem(self.doc.name, message, field=field_name, path=tuple(path), **kw))

    def check(self, rows: Rows) -> None:
        data = self.doc.data
        if not isinstance(data, (list, LazyItems)):
            self.problem((), "", f"the top level must be a list of sources, not a {type(data).__name__}")
            return
        try:
            for i, raw in enumerate(self.records(data)):
                self.ids.append(raw.get("id") if isinstance(raw, dict) else None)
                self.check_record(i, raw, rows)
        except Unparsable as e:  # parsed while read: the records before it were checked
            self.report.add(e.problem)

    @staticmethod
    def records(data: Union[list, LazyItems]) -> Iterator[Any]:
        """Each record once; a list lets go of each as it is read (the rows keep what the build needs)."""
        if isinstance(data, LazyItems):
            yield from data
            return
        for i, raw in enumerate(data):
            data[i] = None
            yield raw

    def check_record(self, i: int, raw: Any, rows: Rows) -> None:
        if not isinstance(raw, dict):
            self.problem((i,), f"sources[{i}]", "each source must be a mapping of fields")
            return
        source = fast_records.validate("SourceIn", raw)  # None: the model decides, and names the problems
        if source is None and self.non_text_keys(i, raw):  # a record it takes has only its fields' names
            return
        self.vocabularies(i, raw)  # on the raw mapping, so a record with other errors is checked too
        if source is None:
            from pydantic import ValidationError

            from .schema import SourceIn

            try:
                source = SourceIn.model_validate(raw)
            except ValidationError as e:
                self.pydantic_problems(i, raw, e)
                self.unchecked.update(finding_ids_of(raw))
                return
        self.check_source(i, source, rows)

    def non_text_keys(self, i: int, raw: dict) -> bool:
        """Field names must be text (YAML allows `0: x` or `null: x`), at any depth (a finding's studies
        too); report and skip such records."""
        bad: list[tuple[tuple, Any]] = []

        def walk(path: tuple, value: Any) -> None:
            if isinstance(value, dict):
                bad.extend((path, key) for key in value if not isinstance(key, str))
                for key, item in value.items():
                    if isinstance(key, str):
                        walk((*path, key), item)
            elif isinstance(value, list):
                for j, item in enumerate(value):
                    walk((*path, j), item)

        walk((i,), raw)
        for path, key in bad:
            self.problem(path, f"sources[{i}]", f"field names must be text, not {key!r}")
        return bool(bad)

    def pydantic_problems(self, i: int, raw: dict, error: ValidationError) -> None:
        for err in error.errors():
            loc, kind = err["loc"], err["type"]
            name, model, record = _record_of(raw, loc)
            path = (i, *loc)
            if kind == "extra_forbidden":
                self.problem(path, f"{record}.{name}", f"unknown field{_close_field(str(loc[-1]), model)}")
            elif kind == "missing":
                self.problem(path, f"{record}.{name}", "required field is missing")
            elif kind == "string_pattern_mismatch":
                self.problem(path, f"{record}.{name}", f"'{err['input']}' does not match {err['ctx']['pattern']}")
            elif kind in ("model_type", "model_attributes_type", "dict_type"):
                self.problem(path, record, "must be a mapping of fields")
            else:
                self.problem(path, f"{record}.{name}", f"{err['msg']} (got {err['input']!r})")

    def vocabulary(self, path: Sequence, record: str, model: str, values: dict) -> None:
        for name, kind, terms in self.checked[model]:
            value = values.get(name)
            if isinstance(value, str) and value not in terms:
                message = f"'{value}' is not a known {kind}{self.vocab.suggestion(kind, value)}"
                self.problem((*path, name), f"{record}.{name}", message)

    def vocabularies(self, i: int, raw: dict) -> None:
        """Controlled-vocabulary values of a source and its nested records (other types: pydantic)."""
        source_id = raw["id"] if isinstance(raw.get("id"), str) else f"sources[{i}]"
        self.vocabulary((i,), source_id, "SourceIn", raw)
        for listed, kind in (("conditions", "condition"), ("intervention_types", "intervention_type")):
            values = raw.get(listed)
            for j, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, str) and self.vocab.checks(kind) and value not in self.vocab.terms(kind):
                    message = f"'{value}' is not a known {kind}{self.vocab.suggestion(kind, value)}"
                    self.problem((i, listed, j), f"{source_id}.{listed}", message)
        for nested, model in NESTED.items():
            items = raw.get(nested)
            for j, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    local = item["id"] if isinstance(item.get("id"), str) else f"{nested}[{j}]"
                    self.vocabulary((i, nested, j), f"{source_id}-{local}", model, item)

    def unique(self, path: Sequence, record: str) -> bool:
        if record in self.seen:
            doc, first = self.seen[record]
            self.problem((*path, "id"), record, f"duplicate id; first defined at {doc.name}:{doc.line_of((*first, 'id'))}")
            return False
        self.seen[record] = (self.doc, tuple(path))
        return True

    def check_source(self, i: int, source: SourceIn, rows: Rows) -> None:
        path = (i,)
        self.unique(path, source.id)
        entry = self.bib.get(source.citation_key)
        if entry is None:
            self.problem((i, "citation_key"), f"{source.id}.citation_key", f"'{source.citation_key}' is not in the bibliography")
        self.cited.add(source.citation_key)
        conditions, types = set(source.conditions), set(source.intervention_types)
        for j, finding in enumerate(source.findings):
            row = self.check_finding((i, "findings", j), source, finding, rows)
            conditions.add(finding.condition)
            types.add(finding.intervention_type)
            rows["findings"].append(FindingRow(row))
        for j, evaluation in enumerate(source.economic_evaluations):
            record = f"{source.id}-{evaluation.id}"
            self.unique((i, "economic_evaluations", j), record)
            conditions.add(evaluation.condition)
            rows["economic_evaluations"].append(
                {**evaluation.model_dump(), "id": record, "source_id": source.id}
            )
            self.provenance((i, "economic_evaluations", j), record, rows["economic_evaluations"][-1])
        if not conditions and source.status != "awaiting_classification":  # not yet classified: may be unknown
            self.problem((i, "conditions"), f"{source.id}.conditions", "no condition: list the conditions covered or add findings")
        rows["sources"].append(source_row(source, entry, sorted(conditions), sorted(types)))

    def check_finding(self, path: tuple, source: SourceIn, finding: FindingIn, rows: Rows) -> dict:
        record = f"{source.id}-{finding.id}"
        self.unique(path, record)
        self.check_numbers(path, record, finding)
        self.comparator_risk_needs_a_ratio(path, record, finding)
        self.check_grade(path, record, source, finding)
        row = {**finding.model_dump(exclude={"studies"}), "id": record, "source_id": source.id,
               "source_design": source.design, "source_status": source.status,
               "certainty_rank": (self.vocab.term("certainty", finding.certainty) or {}).get("rank") or 0,
               "intervention_family": self.vocab.family("intervention_type", finding.intervention_type)}
        if not self.duplicate_study_labels(path, record, finding):
            self.synthesise(path, record, row, [s.model_dump() for s in finding.studies], rows)
        self.provenance(path, record, row)
        return row

    def provenance(self, path: tuple, record: str, row: dict) -> None:
        """Each quote of the record is in the document it names (evidence.provenance)."""
        self.report.add(*self.documents.problems(self.doc.name, path, record, row, known=self.known_documents))

    def comparator_risk_needs_a_ratio(self, path: tuple, record: str, f: FindingIn) -> None:
        """A comparator risk turns a relative effect (a ratio measure) into absolute effects; on any other
        finding it would be stored and never used."""
        if f.comparator_risk is None or f.effect_measure is None:
            return
        if (self.vocab.term("effect_measure", f.effect_measure) or {}).get("scale") != "ratio":
            measures = ", ".join(sorted(t for t in self.vocab.terms("effect_measure")
                                        if (self.vocab.term("effect_measure", t) or {}).get("scale") == "ratio"))
            self.problem((*path, "comparator_risk"), f"{record}.comparator_risk",
                         f"a comparator risk needs a relative effect ({measures}), not {f.effect_measure}")

    def duplicate_study_labels(self, path: tuple, record: str, finding: FindingIn) -> bool:
        """A study label given twice in one finding's studies (its results would be read as one study's):
        an error at the second, naming the first; the finding is then not pooled."""
        first: dict[str, int] = {}
        for k, study in enumerate(finding.studies):
            if study.label in first:
                line = self.doc.line_of((*path, "studies", first[study.label], "label"))
                self.problem((*path, "studies", k, "label"), f"{record}.studies",
                             f"study label '{study.label}' given twice (first at line {line}); labels tell studies apart")
            first.setdefault(study.label, k)
        return len(first) < len(finding.studies)

    def synthesise(self, path: tuple, record: str, row: dict, studies: list[dict], rows: Rows) -> None:
        """Pool the finding's studies (if any) and compute its absolute effects, at build."""
        if not studies and row["comparator_risk"] is None:
            return  # nothing to compute: numpy and scipy are not even imported
        from .synthesis.findings import absolute_columns, synthesise

        if studies and row["effect_measure"] is None:
            self.problem((*path, "studies"), f"{record}.effect_measure", "study-level results need an effect_measure to pool them")
            return
        result = synthesise(record, row, studies)
        if result.error:
            self.problem((*path, "studies"), f"{record}.studies", f"cannot pool: {result.error}")
            return
        if result.differs:
            self.problem((*path, "effect"), f"{record}.effect", result.differs, warning=True)
        row.update(result.columns)
        row.update(absolute_columns(row))
        rows["study_results"].extend(StudyResultRow(study) for study in result.studies)

    def check_numbers(self, path: tuple, record: str, f: FindingIn) -> None:
        lo, hi = f.follow_up_months_min, f.follow_up_months_max
        if lo is not None and hi is not None and lo > hi:
            self.problem((*path, "follow_up_months_min"), f"{record}.follow_up_months_min", f"{lo} is more than follow_up_months_max {hi}")
        numbers = (f.effect, f.ci_lower, f.ci_upper, f.studies_n, f.participants_n)
        if any(n is not None for n in numbers) and not (f.effect_quote and f.effect_source_document):
            self.problem((*path, "effect_quote"), f"{record}.effect_quote", "effect estimates need their provenance: effect_source_document and effect_quote")
        if f.comparator_risk is not None and not (f.comparator_risk_quote and f.comparator_risk_source_document):
            self.problem((*path, "comparator_risk"), f"{record}.comparator_risk",
                         "a comparator risk needs its provenance: comparator_risk_source_document and comparator_risk_quote")
        bounds = (f.ci_lower, f.ci_upper)
        if (f.effect is not None or any(b is not None for b in bounds)) and f.effect_measure is None:
            self.problem((*path, "effect"), f"{record}.effect_measure", "an effect needs its effect_measure (RR, OR, HR, SMD, MD)")
        if (bounds[0] is None) != (bounds[1] is None):
            self.problem((*path, "ci_lower"), f"{record}.ci_lower", "give both ci_lower and ci_upper, or neither")
        elif bounds[0] is not None and f.effect is None:
            self.problem((*path, "ci_lower"), f"{record}.effect", "a confidence interval needs its effect")
        elif bounds[0] is not None and not bounds[0] <= f.effect <= bounds[1]:
            self.problem((*path, "effect"), f"{record}.effect", f"ci_lower <= effect <= ci_upper does not hold ({bounds[0]} <= {f.effect} <= {bounds[1]})")
        self.check_ratio(path, record, f)

    def check_ratio(self, path: tuple, record: str, f: FindingIn) -> None:
        """A ratio measure (scale: ratio in the effect_measure scale) and its CI are greater than 0."""
        measure = self.vocab.term("effect_measure", f.effect_measure)
        if not measure or measure.get("scale") != "ratio":
            return
        for name, value in (("effect", f.effect), ("ci_lower", f.ci_lower), ("ci_upper", f.ci_upper)):
            if value is not None and value <= 0:
                self.problem((*path, name), f"{record}.{name}", f"a {measure['name']} ({f.effect_measure}) is a ratio: "
                             f"it must be greater than 0 (got {value})")

    def check_grade(self, path: tuple, record: str, source: SourceIn, f: FindingIn) -> None:
        if f.certainty is None or f.certainty not in self.vocab.terms("certainty"):
            return
        fits, expected = grade.read_statement(f.statement, f.certainty)  # the wording read once
        if not fits:
            message = f"the wording does not fit certainty '{f.certainty}': GRADE expects {grade.EXPECTED[f.certainty]}"
            self.problem((*path, "statement"), f"{record}.statement", message,
                         warning=bool(f.wording_justification), justified=f.wording_justification)
        if expected and f.direction != expected:
            self.problem((*path, "direction"), f"{record}.direction", f"'{f.direction}' does not match the statement, which reads as '{expected}'")
        start = self.grade_start(f.evidence_design, source.design)
        computed = grade.computed_certainty(start, vars(f))  # the fields as held, not a dump of them
        if computed and computed != f.certainty:
            message = f"recorded certainty '{f.certainty}' differs from '{computed}' computed from the five domains (start: {start})"
            self.problem((*path, "certainty"), f"{record}.certainty", message, warning=True, justified=f.certainty_justification)


    def grade_start(self, evidence_design: Optional[str], design: str) -> Optional[str]:
        """GRADE's starting certainty: from the finding's body of evidence, else from its source's design."""
        term = self.vocab.term("evidence_design", evidence_design) or self.vocab.term("design", design) or {}
        return term.get("grade_start")


def _record_of(raw: dict, loc: tuple) -> tuple[str, str, str]:
    """Field name, model and readable record id for a pydantic error location."""
    source_id = raw["id"] if isinstance(raw.get("id"), str) else "source"
    if len(loc) >= 2 and loc[0] in NESTED and isinstance(loc[1], int):
        items = raw.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        local = item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else f"{loc[0]}[{loc[1]}]"
        return ".".join(map(str, loc[2:])), NESTED[loc[0]], f"{source_id}-{local}"
    return ".".join(map(str, loc)), "SourceIn", source_id


def _close_field(name: str, model: str) -> str:
    from . import schema

    close = difflib.get_close_matches(name, list(getattr(schema, model).model_fields), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


def source_row(source: SourceIn, entry: Optional[BibEntry], conditions: list[str], types: list[str]) -> dict:
    """A sources row: curated fields from YAML, bibliographic fields from the .bib entry."""
    row = source.model_dump(include={"id", "citation_key", "design", "status", "note"})
    row["conditions"], row["intervention_types"] = json.dumps(conditions), json.dumps(types)
    fields = entry.fields if entry else {}
    # text for people: LaTeX decoded (von B{\"u}low -> von Bülow); identifiers as written
    title, authors, journal = (plain(fields.get(k)) for k in ("title", "author", "journal"))
    year, doi, pmid, pmcid = (entry.text(k) if entry else None for k in ("year", "doi", "pmid", "pmcid"))
    if entry and not journal:
        journal = next((plain(fields[k]) for k in ("publisher", "institution", "howpublished") if fields.get(k)), None)
    row.update(title=title, authors=authors, journal=journal, doi=doi, pmid=pmid, pmcid=pmcid,
               year=int(year) if year and year.isdigit() and len(year) == 4 else None,
               bibtex=entry.raw if entry else None)
    row["label"] = base_label(source.id, entry, row["year"])
    return row


def base_label(source_id: str, entry: Optional[BibEntry], year: Optional[int]) -> str:
    """How a source is cited before sources of one label are told apart: first author and year."""
    name = first_author(entry) or plain((entry.fields if entry else {}).get("shorttitle")) or source_id
    return f"{name} {year or ''}".strip()


def first_author(entry: Optional[BibEntry]) -> Optional[str]:
    raw = entry.fields.get("author") if entry else None
    if not raw:
        return None
    parts = parse_single_name_into_parts(split_multiple_persons_names(raw)[0])
    return plain(" ".join(parts.von + parts.last))


def add_labels(sources: list[dict]) -> None:
    """Tell sources that would share a label apart: Lambeek 2010a, Lambeek 2010b (ordered by id)."""
    by_label: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(sources, key=lambda r: r["id"]):
        by_label[row["label"]].append(row)
    for same in by_label.values():
        if len(same) > 1 and same[0]["label"][-1:].isdigit():
            for letter, row in zip("abcdefghijklmnopqrstuvwxyz", same):
                row["label"] += letter


def check_bibliography(name: str, entries: dict[str, BibEntry], cited: set[str], report: Report) -> None:
    for entry in entries.values():
        where = {"line": entry.line, "field": entry.key}
        doi, pmid, year = entry.text("doi"), entry.text("pmid"), entry.text("year")
        if doi and not DOI.match(doi):
            report.add(Problem(name, f"malformed DOI '{doi}' (expected 10.NNNN/…, without https://doi.org/)", **where))
        if pmid and not PMID.match(pmid):
            report.add(Problem(name, f"malformed PMID '{pmid}' (expected digits only)", **where))
        if year and not (year.isdigit() and 1000 <= int(year) <= 2999):
            report.add(Problem(name, f"year '{year}' is not a year (four digits)", **where))
        if entry.key not in cited:
            report.add(Problem(name, "entry is not cited by any source", warning=True, **where))


def resolve_lines(report: Report, docs: list[YamlFile]) -> None:
    """Fill in line numbers from key paths; composes a file's node tree only if it has problems."""
    by_name = {doc.name: doc for doc in docs}
    for p in report.problems:
        if p.line is None and p.file in by_name:
            p.line = by_name[p.file].line_of(p.path)
