"""The bad-input corpus (tests/bad_inputs/): every case gives its FILE:LINE errors and exit code 1
without a traceback, for validate and build alike, and leaves the existing database byte-identical.

Each case is a folder of files laid over a valid project's data/ (a valid references.bib is there
unless the case brings its own) with expected.txt: the exact error lines, in the order printed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import leftovers

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def test_the_corpus_covers_every_kind_of_bad_input():
    assert CASES == sorted([
        "alias-bomb", "bad-indentation", "ci-excludes-effect", "dangling-citation-key", "duplicate-ids-across-files",
        "empty-file", "malformed-bibtex", "non-utf8-bytes", "out-of-vocabulary", "python-object-tag",
        "tab-indentation", "unclosed-quote", "unknown-field-and-wrong-type", "wrong-top-level-type",
        # YAML a parser would accept silently: duplicate keys (last one wins), !!binary, hostile characters
        "duplicate-key-in-a-finding", "duplicate-source-id-key", "duplicate-findings-key",
        "duplicate-key-in-a-vocabulary", "duplicate-key-in-the-guideline", "binary-tag", "bidi-override",
        "escaped-control-characters", "nul-escape",
        # numbers that are not numbers, and empty required text
        "not-a-number", "bool-as-count", "negative-ratio", "empty-required-text",
        # files that would not be read
        "yml-extension",
        # BibTeX read as something else
        "bibtex-extra-brace", "bibtex-missing-comma", "bibtex-undefined-macro", "bibtex-empty-key",
        "bibtex-keys-differ-in-case", "bibtex-duplicate-doi", "bibtex-nul-byte", "bibtex-deep-braces",
        "bibtex-hash-in-key",
        # study-level data (issue 22): counts as written, labels that tell studies apart, known sources
        "study-count-bool", "study-count-string", "study-duplicate-label", "study-empty-label",
        "study-unknown-source", "study-number-key",
        # the guideline, the vocabularies and comparator risks (issue 22, item 11)
        "guideline-not-a-date", "guideline-finding-listed-twice", "guideline-cites-a-source-with-an-error",
        "vocabulary-id-not-an-address", "vocabulary-two-terms-one-name", "comparator-risk-on-a-difference",
        "key-over-1024-characters"])


@pytest.mark.parametrize("case", CASES)
def test_bad_input(project, case):
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    db = project.root / "evidence.db"
    before = db.read_bytes()
    (project.data / "studies.yaml").unlink()
    for path in (CORPUS / case).rglob("*"):
        if path.is_file() and path.name != "expected.txt":
            target = project.data / path.relative_to(CORPUS / case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert expected
    for command in ("validate", "build"):
        result = runner.invoke(cli, [command])
        errors = [line for line in result.stderr.splitlines() if line.startswith("data/") and ": warning: " not in line]
        assert result.exit_code == 1, (command, result.output)
        assert errors == expected, command
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert db.read_bytes() == before and leftovers(project.root) == []
    assert not Path("/tmp/evidence-pwned").exists()
