"""The fast YAML path (yaml_rs behind the RISKY guard) reads exactly what PyYAML's safe loader reads.

The reference is the same ``parse_yaml`` with the guard forced to fire everywhere, which reads every
item with PyYAML (``inputs.Loader``), as the build did before the fast path. Compared are the data
with their types (``repr``: 1, 1.0 and True differ) and the problem, message and line.

The differences the guard has to catch were measured with PyYAML 6.0.3 and yaml_rs 0.1.6 (each
written down where it is tested below); the exhaustive token test finds any further one among all
short tokens of the characters numbers, dates and booleans are made of.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import yaml
import yaml_rs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.build_bench import finding_yaml
from evidence import yaml_fast as inputs
from evidence.inputs import parse_yaml
from evidence.text import SLICE
from evidence.yaml_fast import load_items, too_deep
from evidence.yaml_safe import Loader
from tests.profiles import examples

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def pyyaml_only():
    """Every item read by PyYAML, as before the fast path: the reference."""
    with mock.patch.object(inputs, "HAS_RISKY", lambda text: True):
        yield


@contextmanager
def no_pyyaml_items():
    """Fail if any item falls back to PyYAML: the fast path must carry safe data on its own."""
    def refuse(item):
        raise AssertionError(f"read by PyYAML: {item[:80]!r}")
    with mock.patch.object(inputs, "_pyyaml_item", refuse):
        yield


def outcome(text: str) -> tuple[str, str]:
    doc, problem = parse_yaml(Path("x.yaml"), text)
    return repr(doc.data), str(problem)


def reference(text: str) -> tuple[str, str]:
    with pyyaml_only():
        return outcome(text)


def assert_same(text: str) -> None:
    assert outcome(text) == reference(text), text


def pyyaml(text: str) -> str:
    """PyYAML's reading, types included, or "refused" (which error does not matter here: a text
    yaml_rs refuses goes to PyYAML anyway)."""
    try:
        return repr(yaml.load(text, Loader=Loader))
    except yaml.YAMLError:
        return "refused"


def rust(text: str) -> str:
    try:
        return repr(yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error))
    except Exception:  # noqa: BLE001 - any refusal counts as one
        return "refused"


def differ(text: str) -> bool:
    """yaml_rs reads data, and PyYAML reads other data or refuses the text."""
    return rust(text) != "refused" and rust(text) != pyyaml(text)


# --- each measured difference ------------------------------------------------------------------------

DIFFERENT = [  # (scalar, what PyYAML reads, what yaml_rs reads): measured as the module docstring says
    ("yes", True, "yes"), ("No", False, "No"), ("ON", True, "ON"), ("off", False, "off"),
    ("0o17", "0o17", 15), ("017", 15, 17), ("0_17", 15, 17), ("08", "08", 8), ("_1", "_1", 1),
    ("190:20:30", 685230, "190:20:30"), ("1:20", 80, "1:20"), ("190:20:30.15", 685230.15, "190:20:30.15"),
    ("1e3", "1e3", 1000.0), ("1.0e3", "1.0e3", 1000.0), ("12e03", "12e03", 12000.0), ("1E+3", "1E+3", 1000.0),
    ("1.5e3", "1.5e3", 1500.0), ("+.5", "+.5", 0.5), ("-.5", "-.5", -0.5),
]


@pytest.mark.parametrize("scalar, in_pyyaml, in_yaml_rs", DIFFERENT)
def test_each_measured_difference_is_read_as_pyyaml_reads_it(scalar, in_pyyaml, in_yaml_rs):
    text = f"- value: {scalar}\n  {scalar}: key\n- [{scalar}, {{k: {scalar}}}]\n"
    assert yaml_rs.loads(f"v: {scalar}", parse_datetime=False) == {"v": in_yaml_rs}  # the difference is real
    assert load_items(text) == [{"value": in_pyyaml, in_pyyaml: "key"}, [in_pyyaml, {"k": in_pyyaml}]]
    assert_same(text)


@pytest.mark.parametrize("text", [
    "- a: 2024-03-01\n",  # a date in PyYAML, text in yaml_rs
    "- a: '2024-03-01'\n",  # quoted: text in both (yaml_rs makes it a date unless parse_datetime=False)
    "- a: 2001-12-14t21:59:43.10-05:00\n- b: 2001-12-14 21:59:43.10 -5\n",
    "- a: 2024-13-45\n",  # an impossible date: an error in PyYAML, text in yaml_rs
    "- a: =\n", "- <<: {a: 1}\n  b: 2\n",  # PyYAML's value key (an error) and merge key (merges)
    "- a: !!binary aGVsbG8=\n", "- a: !!timestamp 2024-03-01\n", "- a: !foo x\n", "- a: !!str 1\n",
    "- [1, 2]: a\n", "- ? [a]\n  : b\n", "- {[a]: b}\n",  # complex keys: tuples in yaml_rs, refused by PyYAML
    "- 1: a\n  1.0: b\n", "- 1: a\n  true: b\n", "- 0: a\n  false: b\n", "- null: a\n  ~: b\n",  # equal keys
    "- a: 1\n  a: 2\n",
    "\ufeff- a: x\n", "- a: \ufeffx\n",  # a byte-order mark: dropped by PyYAML at the start only
    "- a: x\x85  b: y\n", "- a: x\u2028y\n", "- a: x\u2029y\n",  # line breaks in YAML 1.1 only
    "- a: x\x01\n", "- a: x\x7f\n", "- a: x\x9f\n", "- a: x\ufffe\n", "- a: x\x0c\n",  # refused by PyYAML's reader
    "- a: x\u202ey\n", '- a: "x\\u202ey"\n', '- a: "\\x1b"\n', '- a: "\\e\\a\\0"\n',  # hostile, raw or escaped
    '- a: "\\N\\_\\L\\P\\/"\n', '- a: "\\U0001F600 \\t"\n', "- a: x\U0001F600\n", '- a: "\\q"\n',
    "- a:\tb\n", "- a: b\t# c\n", "-\ta: b\n", '- a: "x\ty"\n',  # tabs
    "- a: |\n  x", "- a: >\n\n  x", "- a: |+\n  x\n\n", "- a: |-\n  x\n", "- a: >\n  x\n    y\n  z\n",
    "- a: |2\n   x\n", "- a: x\n  y\n\n  z\n", "- a: 'x\n  y\n\n  z'\n", '- a: "x  \n  y"\n', '- a: "a\\\n  b"\n',
    "- a: x\r\n  b: |\r\n    y\r\n    z\r\n", "- a: 'x\r\n\r\n  y'\r\n",  # CRLF
    "- a: x\r  yes: y\n", "- a:\r    017\n",  # a lone CR is a line break in both
    "- a: b # c\n- a: b#c\n# end\n", "# head\n\n- a: 1\n", "---\n- a: yes\n...\n", "%YAML 1.1\n---\n- a: 1\n",
    "- a:\n- \n- ~\n- null\n- {a, b}\n- [a, b,]\n", "- " + "k" * 1030 + ": v\n", "- a: " + "v" * 5000 + "\n",
    "- a: &x 1\n  b: *x\n", "- a: *x\n", "- a: Smith & Jones\n  b: R&D\n", "- a: '*x'\n  b: x*y\n",
    "- : 0\n", "- a: 1\n  : 2\n", "- [a, |]\n", "- k: [>]\n", "- [x:]\n", "- [:0]\n", "- [a,,b]\n",  # fuzzing found
    "- a: @x\n", "- a: `x\n", "- a: x@y\n", '- {"a":1}\n', "- {a:1}\n", "- [a:1]\n", "- [a: b]\n",
    "- a: 'unclosed\n- b: 1\n", '- a: "x\n- y"\n', "- a: 1\n - b: 2\n", "key: value\n", "[]\n", "",
])
def test_texts_where_the_parsers_differ_are_read_as_pyyaml_reads_them(text):
    assert_same(text)


def test_the_guard_fires_on_every_measured_difference():
    """Not only the same result: the guard is what sends these to PyYAML (drop one of its
    alternatives and this test names what it lets through)."""
    for scalar, _, _ in DIFFERENT:
        contexts = (f"a: {scalar}\n", f"{scalar}: a\n", f"[{scalar}]", f"- {scalar}", f"{{a: {scalar}}}",
                    f"a:\n  {scalar}\n")
        for text in contexts:
            assert inputs.HAS_RISKY(text), text
    for text in ["a: 2024-03-01", "a: 2024-13-45", "a: =", "<<: {}", "a: !t x", "? [a]", "[a]: b", "a: x\x85",
                 "a: x\u2028", "a: x\x01", "\ufeffa: x", "a: x\ty", "a: x\u202e"]:
        assert inputs.HAS_RISKY(text), text


def test_plain_decimals_and_text_do_not_fire_the_guard():
    """The corpus's numbers and prose go the fast way: the guard is not a blanket."""
    for text in ["a: 12", "a: -3", "a: 0", "a: 0.25", "a: -1.50", "a: 10.1002/abc", "a: yes please", "a: on time",
                 "a: Smith & Jones", "a: 6-12 months", "a: 95% CI", "a: 'yes'", 'a: "1e3"', "a: f1",
                 "a: true", "a: null", "a: ~", "- [1, 2.5, x]", "a: é and 中文", "a: 002_91605.txt",
                 "a: |\n  the effect was no\n  larger than 8.\n", "# ---- a comment ----"]:
        assert not inputs.HAS_RISKY(text), text


# --- exhaustively over short tokens --------------------------------------------------------------------

ALPHABET = "019._+-:eExobn~=<yYsOfF"  # what numbers, dates, booleans and nulls are made of


def test_every_short_token_that_the_parsers_read_differently_fires_the_guard():
    """All tokens of up to three characters of ALPHABET, as a value, a key and a flow item: wherever
    yaml_rs reads data that PyYAML reads otherwise (a value, a type, or an error), RISKY matches.
    (Where yaml_rs refuses a text, PyYAML reads it anyway.)"""
    missed = []
    for length in (1, 2, 3):
        for token in map("".join, itertools.product(ALPHABET, repeat=length)):
            for text in (f"a: {token}\n", f"{token}: a\n", f"[{token}]\n"):
                if differ(text) and not inputs.HAS_RISKY(text):
                    missed.append(text)
    assert missed == []


@settings(max_examples=examples(1000), deadline=None)
@given(st.text(alphabet="0123456789._+-:eExobEOTZtzinfaAgs ", min_size=4, max_size=12).map(str.strip))
def test_longer_number_like_tokens_that_the_parsers_read_differently_fire_the_guard(token):
    for text in (f"a: {token}\n", f"[{token}, x]\n"):
        assert not differ(text) or inputs.HAS_RISKY(text), text


# --- generated documents ---------------------------------------------------------------------------------

RISKY_SCALARS = [s for s, _, _ in DIFFERENT] + [
    "2024-03-01", "2024-13-45", "=", "<<", ".inf", "-.inf", ".NaN", "0x1F", "0b11", "1_000", "~", "null", "true",
    "False", "1.", ".5", "-0", "00", "y", "n", "1,5", "0.1", "12", "-7", "1.25", "2001-12-14 21:59:43.10 -5"]
WORDS = st.sampled_from(["id", "note", "a b", "on", "no", "é", "x#y", "Smith & Jones", "*", "&a", "!", "?", "-", ":"])
ESCAPES = ["\\x1b", "\\u202e", "\\t", "\\n", "\\\\", '\\"', "\\/", "\\N", "\\_", "\\L", "\\P", "\\e", "\\0",
           "\\U0001F600", "\\x41", " "]


def plain():
    return st.one_of(st.sampled_from(RISKY_SCALARS), st.integers(-10**20, 10**20).map(str),
                     st.floats(allow_nan=False, allow_infinity=False).map(repr), WORDS,
                     st.text(alphabet="019._+-:eExob ~=<yYsO#,[]{}", min_size=1, max_size=6))


def scalar():
    """A scalar written in one of YAML's five styles."""
    return st.one_of(
        plain(),
        plain().map(lambda s: "'" + s.replace("'", "''") + "'"),
        st.lists(st.one_of(plain(), st.sampled_from(ESCAPES)), max_size=4).map(lambda p: '"' + "".join(p) + '"'),
        st.tuples(st.sampled_from(["|", ">", "|-", ">+", "|2", ">-"]), st.lists(plain(), min_size=1, max_size=3),
                  st.booleans()).map(lambda t: (t[0], t[1], t[2])),
    )


def render(value, indent: int) -> str:
    """``value`` as the text after "key:" (or "- "), at ``indent`` spaces."""
    pad = " " * indent
    if isinstance(value, tuple):  # a block scalar: header, lines, an empty line inside
        header, lines, gap = value
        body = [f"{pad}  {line}" for line in lines]
        if gap:
            body.insert(1, "")
        return f" {header}\n" + "\n".join(body)
    if isinstance(value, dict):
        if value.pop("__flow__", False):
            return " {" + ", ".join(f"{k}: {v if isinstance(v, str) else 'x'}" for k, v in value.items()) + "}"
        return "\n" + "\n".join(f"{pad}  {k}:{render(v, indent + 2)}" for k, v in value.items()) if value else " {}"
    if isinstance(value, list):
        if value and value[0] == "__flow__":
            return " [" + ", ".join(v if isinstance(v, str) else "x" for v in value[1:]) + "]"
        return "\n" + "\n".join(f"{pad}  -{render(v, indent + 4)}" for v in value) if value else " []"
    return f" {value}"


def node(depth: int = 0):
    leaves = scalar()
    if depth >= 2:
        return leaves
    child = node(depth + 1)
    return st.one_of(
        leaves, leaves,
        st.dictionaries(st.one_of(WORDS, plain()), child, max_size=3),
        st.lists(child, max_size=3),
        st.lists(plain(), max_size=3).map(lambda v: ["__flow__", *v]),
        st.dictionaries(WORDS, plain(), max_size=3).map(lambda d: {**d, "__flow__": True}),
    )


@st.composite
def documents(draw) -> str:
    mapping = st.dictionaries(st.one_of(WORDS, plain()), node(), min_size=1, max_size=4)
    items = draw(st.lists(mapping, min_size=1, max_size=4))
    lines = []
    for item in items:
        body = render(item, 0)  # "\n  k: v\n  k2: v2"
        first, *rest = body.lstrip("\n").split("\n")
        lines.append("- " + first.strip())
        lines += [line for line in rest]
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["# a comment", "", "  # indented comment"])))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    return text.replace("\n", "\r\n") if draw(st.booleans()) and draw(st.booleans()) else text


@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(documents())
def test_generated_documents_read_as_pyyaml_reads_them(text):
    assert_same(text)


SPECIAL = ["\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff", "\x00", "\x1b", "\u202e", "\U0001F600", "é", "#", ":",
           "-",
           "?", "!", "&", "*", "|", ">", "'", '"', "\\", "[", "]", "{", "}", ",", " ", "\n", "  ", "@", "%", "=", "<<",
           "---\n", "...\n", "- ", ": ", "yes", "0o1", "1e3", "2024-01-01"]


EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(SPECIAL), st.booleans()), min_size=1, max_size=4)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(documents(), EDITS)
def test_damaged_documents_give_pyyaml_s_result_or_its_problem(text, edits):
    """Characters inserted or deleted anywhere: yaml_rs must never accept what PyYAML refuses, nor
    read it otherwise; every error keeps PyYAML's message and line."""
    for where, what, insert in edits:
        at = int(where * len(text))
        text = text[:at] + what + text[at:] if insert else text[:at] + text[at + 1:]
    assert_same(text)


# --- real and synthetic data ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "data").rglob("*.yaml")), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_curated_data_reads_the_same(path):
    assert_same(path.read_text(encoding="utf-8"))


def test_the_synthetic_corpus_reads_the_same_and_entirely_by_yaml_rs():
    """bench/build_bench.py's findings (as --out writes them, 10 per source): no item needs PyYAML."""
    text = "".join(f"- id: synthetic-{s}\n  citation_key: synthetic{s}\n  design: cochrane_review\n  status: included\n"
                   "  findings:\n" + "\n".join(finding_yaml(s * 10 + k, pooled=k == 3) for k in range(10)) + "\n"
                   for s in range(300))
    with no_pyyaml_items():
        fast = outcome(text)
    assert fast == reference(text) and fast[1] == "None"


def test_chunks_split_between_items_and_join_in_order():
    text = "".join(f"- id: s{n}\n  note: {'x' * 5000}\n" for n in range(200))
    with no_pyyaml_items():
        data = load_items(text)
    assert [item["id"] for item in data] == [f"s{n}" for n in range(200)]
    assert len(inputs._chunks(inputs.item_starts(text), len(text))) > 1


def test_a_risky_item_in_a_chunk_is_the_only_one_pyyaml_reads():
    text = "".join(f"- id: s{n}\n  flag: {'yes' if n == 7 else 'x'}\n" for n in range(20))
    read = []
    real = inputs._pyyaml_item
    with mock.patch.object(inputs, "_pyyaml_item", lambda item: read.append(item) or real(item)):
        data = load_items(text)
    assert read == ["- id: s7\n  flag: yes\n"] and data[7] == {"id": "s7", "flag": True}


def test_item_starts_are_where_item_matches():
    for text in ["- a\n- b\n", "-\n-\t\n-\r\n-", "x\n-y\n- z", "# c\n- a\n  - b\n-", "", "-", "--\n- a"]:
        assert inputs.item_starts(text) == [m.start() for m in inputs.ITEM.finditer(text)], text


# --- the nesting guard, now fast --------------------------------------------------------------------------


def old_too_deep(text: str):
    """too_deep as it was (commit 00869b2): three ``re`` scans over every character."""
    depth = 0
    for match in inputs.FLOW.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > inputs.MAX_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    for pattern in (inputs.COMPACT, inputs.INDENT):
        match = pattern.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


@pytest.mark.parametrize("text", [
    "[" * 201, "[" * 200, "{a: " * 201, "[]" * 300, "x\n" * 3 + "- " * 200 + "x\n", "- " * 199 + "x\n",
    "? " * 200 + "x", "-\t" * 200, "a:\n" + " " * 400 + "x\n", "a:\n" + " " * 399 + "x\n", "a:\n" + "\t" * 400 + "x",
    "é\n" * (SLICE // 2 + 10) + " " * 400 + "x\n", "é " * SLICE + "\n" + "- " * 200 + "x",
    '- "' + "[" * 300 + '"\n', "- [a, [b, [c]]]\n",
])
def test_too_deep_finds_what_it_found_before_at_the_same_line(text):
    assert too_deep(text) == old_too_deep(text)


UNITS = st.sampled_from(["[", "]", "{", "}", "- ", "? ", "-\t", " ", "\t", "\n", "a", "\n" + " " * 100, "[" * 50, "- " * 50])


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(UNITS, max_size=40).map("".join))
def test_too_deep_agrees_with_the_old_scans_on_any_text(text):
    assert too_deep(text) == old_too_deep(text)
