"""Property-based tests: no generated YAML, bytes, record or bibliography makes the loader or the
validator raise anything but the project's own error; problems come back as FILE:LINE reports."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.build import check
from evidence.problems import EvidenceError
from tests.conftest import BIB, ROOT, VALID
from tests.profiles import examples

SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=10) | st.integers(), inner, max_size=4), max_leaves=12)
VALID_RECORD = yaml.safe_load(VALID)[0]


@contextlib.contextmanager
def project(studies: bytes, bib: bytes = BIB.encode()):
    """A throwaway data folder as the working directory, as the CLI would see it."""
    with tempfile.TemporaryDirectory() as root:
        data = Path(root) / "data"
        data.mkdir()
        shutil.copytree(ROOT / "data" / "vocabulary", data / "vocabulary")
        (data / "studies.yaml").write_bytes(studies)
        (data / "references.bib").write_bytes(bib)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            yield data
        finally:
            os.chdir(cwd)


def problems_of(studies: bytes, bib: bytes = BIB.encode()) -> list[str]:
    """Validate; only the project's own error may be raised, and every problem has a file and line."""
    with project(studies, bib):
        try:
            _, report, _ = check(Path("data"))
        except EvidenceError as e:
            return [str(e)]
    messages = [str(p) for p in report.problems]
    assert all(m.startswith("data/") and m.split(":")[1].isdigit() for m in messages), messages
    return messages


@SETTINGS
@given(st.text())
def test_any_text(text):
    problems_of(text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.binary())
def test_any_bytes(raw):
    problems_of(raw)


@SETTINGS
@given(values)
def test_any_yaml_value(value):
    problems_of(yaml.safe_dump(value, allow_unicode=True).encode())


@SETTINGS
@given(st.sampled_from(sorted(VALID_RECORD)), values)
def test_a_source_with_one_field_replaced(field, value):
    record = {**VALID_RECORD, field: value}
    problems_of(yaml.safe_dump([record], allow_unicode=True).encode())


@SETTINGS
@given(st.sampled_from(sorted(VALID_RECORD["findings"][0])), values)
def test_a_finding_with_one_field_replaced(field, value):
    finding = {**VALID_RECORD["findings"][0], field: value}
    problems_of(yaml.safe_dump([{**VALID_RECORD, "findings": [finding]}], allow_unicode=True).encode())


@SETTINGS
@given(st.text())
def test_any_bibliography(bib):
    problems_of(VALID.encode(), bib.encode("utf-8", "surrogatepass"))


def test_deep_nesting_is_a_problem_not_a_crash():
    # libyaml itself crashes the process (C stack overflow) near 25,000 levels: refused before parsing
    for bomb in (b"[" * 50_000 + b"]" * 50_000, b"a:\n" + b"- " * 50_000 + b"x\n",
                 b"".join(b" " * 2 * i + b"k:\n" for i in range(300))):
        assert [m for m in problems_of(bomb) if "warning" not in m][0].endswith("collections nest more than 200 levels deep")
    assert problems_of(b"- " * 50 + b"x\n")  # deep but legal: parsed, then judged as data


def test_huge_numbers_are_validation_errors():
    text = VALID.replace("      certainty: low\n", "      certainty: low\n      studies_n: 99999999999999999999999\n")
    [message] = [m for m in problems_of(text.encode()) if "warning" not in m]
    assert "studies_n: Input should be less than or equal to 1000000" in message
