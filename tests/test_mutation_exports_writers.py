"""Each export module builds its writers when it is imported (``_writer(...)`` in a ``register`` call), before
mutmut picks a mutant: a fault inside a writer is seen only by a writer built again. These tests build each
one again and hold it to the registered one, byte for byte (bench/mutation.py, groups exports_references,
exports_sof, exports_guideline)."""

from __future__ import annotations

import sqlite3

import pytest

from evidence import exports
from evidence.exports import Format, guideline, references, render, sof

FILTERS = ({}, {"condition": ["cancer"]})


def rebuilt(export: str, name: str, write) -> tuple[Format, Format]:
    registered = exports.find(export, name)
    return registered, Format(**{**registered.__dict__, "write": write})


def same_file(db, registered: Format, again: Format, filters: dict, options: dict | None = None) -> bytes:
    with sqlite3.connect(db) as conn:
        first = render(registered, conn, "findings", filters, options)
        second = render(again, conn, "findings", filters, options)
    assert second == first
    return first[0]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("kind, to_text", [("bib", references.to_bibtex), ("ris", references.to_ris)])
def test_a_bibliography_writer_built_again_writes_the_same_file_in_any_batch_size(real_db, monkeypatch, kind,
                                                                                   to_text, filters):
    registered, again = rebuilt(kind, kind, references._writer(to_text, kind))
    whole = same_file(real_db, registered, again, filters)
    assert whole.count(b"@" if kind == "bib" else b"ER  -") > 1
    monkeypatch.setattr(references, "BATCH", 2)  # batches joined as the whole list is written
    assert same_file(real_db, registered, again, filters) == whole


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_summary_of_findings_writer_built_again_writes_the_same_file(real_db, fmt, filters):
    registered, again = rebuilt("sof", fmt, sof._writer(fmt))
    assert b"Summary of findings" in same_file(real_db, registered, again, filters).replace(b"Summary of Findings",
                                                                                          b"Summary of findings")
    same_file(real_db, registered, again, filters, {"by": "source"})


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_a_guideline_writer_built_again_writes_the_same_file(real_db, fmt):
    registered, again = rebuilt("guideline", fmt, guideline._writer(fmt))
    assert same_file(real_db, registered, again, {})
    same_file(real_db, registered, again, {}, {"lang": "en"})
