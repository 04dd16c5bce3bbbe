"""Faults planted in the export registry and the table writers (bench/mutation.py, group exports) that the
other export tests let through: what runs when the format modules are imported (``register``, ``_writer``)
is built before mutmut picks a mutant, so only a test that calls it again sees a fault there."""

from __future__ import annotations

import io

import pytest

import evidence
from evidence import exports
from evidence.exports import Format, Output, register, site_title
from evidence.exports.tables import _writer
from tests.conftest import query


def test_a_writer_names_what_it_wrote_and_how_many():
    calls = []

    def write(conn, table, filters, options, out):
        calls.append((conn, table, filters, options, out))
        out.write(b"x")
        return len(calls) - 1

    export = _writer(write)
    out = io.BytesIO()
    assert export("conn", "findings", {"condition": ["cancer"]}, {"o": 1}, out) == Output(0, "rows of findings")
    assert calls == [("conn", "findings", {"condition": ["cancer"]}, {"o": 1}, out)] and out.getvalue() == b"x"
    assert export("c", "sources", {}, {}, io.BytesIO()) == Output(1, "row of sources")
    assert export("c", "sources", {}, {}, io.BytesIO()).message() == "2 rows of sources"
    assert _writer(lambda *a: 1, "entry")("c", "findings", {}, {}, io.BytesIO()) == Output(1, "entry of findings")


def test_registering_a_format_the_site_offers_under_another_name(monkeypatch):
    monkeypatch.setattr(exports, "FORMATS", [])
    write = lambda *a: Output(0, "")  # noqa: E731
    fhir = register(Format("fhir", "json", "application/fhir+json", "json", write))
    # SITE gives the FHIR bundle its table and its download extension (evidence/exports/__init__.py)
    assert (fhir.site_tables, fhir.extension, fhir.site_extension) == (("findings",), "fhir", "fhir")
    assert (fhir.export, fhir.name, fhir.media_type, fhir.suffix, fhir.write) == (
        "fhir", "json", "application/fhir+json", "json", write)
    own = register(Format("fhir", "json", "application/fhir+json", "json", write, site_tables=("sources",)))
    assert own.site_tables == ("sources",) and own.extension is None  # a module that names them keeps its own
    other = register(Format("fhir", "ndjson", "application/fhir+ndjson", "ndjson", write))
    assert other.site_tables == () and other.extension is None
    assert exports.FORMATS == [fhir, own, other]


def test_the_site_calls_a_download_by_its_title_or_its_extension():
    # the titles tables.py registers ("Excel (XLSX)", "CSV"); an extension no site format has is its own name
    assert site_title("xlsx") == "Excel (XLSX)" and site_title("csv") == "CSV"
    assert site_title("no-such-extension") == "no-such-extension"
    assert Format("a", "b", "t", "s", None, extension="e").site_title == "e"
    assert Format("a", "b", "t", "s", None).site_title == "b"


def test_load_reads_the_findings_of_evidence_db_in_the_working_directory(real_db, tmp_path, monkeypatch):
    (tmp_path / "evidence.db").symlink_to(real_db)
    monkeypatch.chdir(tmp_path)
    frame = evidence.load()
    assert sorted(frame["id"]) == sorted(r[0] for r in query(real_db, "select id from findings"))
    with pytest.raises(Exception):
        evidence.load(db=tmp_path / "missing.db")
