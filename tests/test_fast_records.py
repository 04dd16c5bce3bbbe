"""The validator's fast path (evidence/fast_records.py) against its oracle, the pydantic models.

The fast path may decline any record; a record it takes must be one the model takes, with the same
values of the same types. So the validator gives the same problems and the same rows either way:
checked on generated bad records (one field of a real record deleted, or set to another value).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evidence import fast_records
from evidence.build import check
from evidence.schema import EconomicIn, FindingIn, SourceIn, StudyIn
from evidence.storage import Row
from bench.build_bench import studies_yaml
from tests.conftest import ROOT, VALID
from tests.test_properties import project

def pooled() -> dict:
    """VALID with GRADE domains and study-level results (bench/build_bench.py's synthetic studies):
    the real data has neither."""
    record = yaml.safe_load(VALID)[0]
    studies = yaml.safe_load("\n".join(line[6:] for line in studies_yaml(3)))["studies"]
    record["findings"][0].update(effect_measure="RR", studies=studies[:3], risk_of_bias=-1, inconsistency=0,
                                 indirectness=0, imprecision=-1, publication_bias=0, large_effect=0)
    return record


POOLED = pooled()
REAL = yaml.safe_load((ROOT / "data" / "studies.yaml").read_text(encoding="utf-8"))
BASES = [
    yaml.safe_load(VALID)[0],
    next(s for s in REAL if s.get("economic_evaluations")),
    POOLED,
    max(REAL, key=lambda s: len(s.get("findings", []))),
]
MODELS = {"source": SourceIn, "findings": FindingIn, "economic_evaluations": EconomicIn, "studies": StudyIn}
EXTRA = ["unknown_field", "Id", 0, None]  # unknown names, and names that are not text
# values at the edges of what the models accept: types pydantic converts, bounds, patterns, blanks
EDGE_VALUES = [None, "", " ", "x", "abc-1", "f1", "F1", "f1\n", "abc-1\n", "EUR", "eur", "EUR\n", "high", "low",
               "rct", "cancer", "en", 0, 1, -1, -2, -3, 2, 1000, 1001, 1899, 2100, 2101, 1000001, 10**20, 2**53 + 1,
               0.5, 3.0, -0.0, -0.5, 1e309, -1e309, math.nan, True, False, "1", "1.5", b"x", [], ["cancer"], [1],
               [None], {}, [{}]]
EDGES = st.sampled_from(EDGE_VALUES) | st.integers() | st.floats() | st.text(max_size=8)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def typed(value):
    """A value with the types of everything in it, so 1 and 1.0 (or True and 1) differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [typed(v) for v in value]
    return (type(value).__name__, repr(value))


def targets(record: dict) -> list[tuple[dict, type]]:
    """The record and each record nested in it, with its model."""
    found = [(record, SourceIn)]
    for key in ("findings", "economic_evaluations"):
        for item in record.get(key, []):
            found.append((item, MODELS[key]))
            found += [(study, StudyIn) for study in item.get("studies", [])]
    return found


def edited(record: dict, index: int, name: str, value: object = None, delete: bool = False) -> dict:
    record = copy.deepcopy(record)
    target = targets(record)[index][0]
    if delete:
        target.pop(name, None)
    else:
        target[name] = copy.deepcopy(value)
    return record


@st.composite
def mutated(draw):
    """A real record with one field of it, or of one of its nested records, deleted or set."""
    record = draw(st.sampled_from(BASES))
    index = draw(st.integers(0, len(targets(record)) - 1))
    name = draw(st.sampled_from([*targets(record)[index][1].model_fields, *EXTRA]))
    return edited(record, index, name, draw(EDGES), delete=draw(st.booleans()))


def same_as_the_model(raw: dict) -> bool:
    """Whether the fast path took the record; when it did, the model takes it with the same values."""
    fast = fast_records.validate(SourceIn, raw)
    if fast is None:
        return False  # the model decides: its errors are the validator's errors
    try:
        model = SourceIn.model_validate(raw)
    except ValidationError as e:
        raise AssertionError(f"the fast path took a record the model refuses: {e}") from None
    assert typed(fast.model_dump()) == typed(model.model_dump())
    for finding, expected in zip(fast.findings, model.findings):
        assert typed(finding.model_dump(exclude={"studies"})) == typed(expected.model_dump(exclude={"studies"}))
        assert typed(vars(finding)["risk_of_bias"]) == typed(vars(expected)["risk_of_bias"])
    return True


def test_every_field_of_every_record_kind_set_to_each_edge_value_or_deleted():
    record = {**POOLED, "economic_evaluations": BASES[1]["economic_evaluations"][:1]}
    record["findings"] = [{**POOLED["findings"][0], "studies": POOLED["findings"][0]["studies"][:1]}]
    taken = 0
    for index, (target, model) in enumerate(targets(record)):  # one record of each kind
        for name in [*model.model_fields, *EXTRA]:
            taken += same_as_the_model(edited(record, index, name, delete=True))
            for value in EDGE_VALUES:
                taken += same_as_the_model(edited(record, index, name, value))
    assert taken > 500  # the fast path does take most valid records


def test_every_real_source_takes_the_fast_path_with_the_models_values():
    for raw in REAL:
        fast = fast_records.validate(SourceIn, raw)
        assert fast is not None, raw["id"]
        assert typed(fast.model_dump()) == typed(SourceIn.model_validate(raw).model_dump())
        assert typed(fast.model_dump(include={"id", "status"})) == typed(
            SourceIn.model_validate(raw).model_dump(include={"id", "status"}))


@SETTINGS
@given(mutated())
def test_a_record_the_fast_path_takes_is_the_one_the_model_makes(raw):
    same_as_the_model(raw)


def results(data: Path) -> tuple[list[str], dict]:
    rows, report, _ = check(data)
    return ([str(p) for p in report.problems],
            {table: [typed(r.values if isinstance(r, Row) else r) for r in items] for table, items in rows.items()})


@pytest.fixture(scope="module")
def data_folder():
    with project(b"[]") as data:
        yield data.resolve()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(raw=mutated())
def test_the_validator_gives_the_same_problems_and_rows_with_and_without_the_fast_path(data_folder, raw):
    (data_folder / "studies.yaml").write_text(yaml.safe_dump([raw], allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
    fast = results(data_folder)
    with mock.patch.object(fast_records, "validate", lambda model, raw: None):
        slow = results(data_folder)
    assert fast == slow
