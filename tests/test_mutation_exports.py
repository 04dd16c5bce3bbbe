"""Faults planted in the export registry and the table writers (bench/mutation.py, group exports) that the
other export tests let through: what runs when the format modules are imported (``register``, ``_writer``)
is built before mutmut picks a mutant, so only a test that calls it again sees a fault there."""

from __future__ import annotations

import io
import sqlite3

import pytest

import evidence
from evidence import exports
from evidence.exports import Format, Output, register, site_title
from evidence.exports.tables import _writer
from tests.conftest import ROOT, query


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


# --- the CSVW metadata beside a CSV, held to what it describes --------------------------------------------

SQLITE_TO_CSVW = {"INTEGER": "integer", "FLOAT": "double", "VARCHAR": "string",
                  "BOOLEAN": {"base": "boolean", "format": "True|False"}}  # CSVW 1.1 built-in datatypes


def exported(db, tmp_path, table: str, *args: str) -> tuple[bytes, dict]:
    from click.testing import CliRunner

    from evidence.cli import cli

    out = tmp_path / f"{table}{len(args)}.csv"
    result = CliRunner().invoke(cli, ["export", table, "--db", str(db), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    import json

    return out.read_bytes(), json.loads(out.with_name(out.name + "-metadata.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("excel", [False, True])
def test_the_csvw_metadata_describes_the_file_beside_it(real_db, tmp_path, excel):
    """Each statement of the sidecar read against an independent source: the CSV's own bytes and header,
    SQLite's declared column types and keys, metadata.yml's descriptions, build_info's provenance."""
    import csv
    import io as io_

    import yaml

    args = ("--condition", "cancer", "--certainty", "moderate", "--certainty", "low") + (("--excel",) if excel else ())
    data, meta = exported(real_db, tmp_path, "findings", *args)
    assert meta["url"] == f"findings{len(args)}.csv" and meta["@context"] == ["http://www.w3.org/ns/csvw",
                                                                               {"@language": "en"}]
    ending = "\r\n" if excel else "\n"
    assert meta["dialect"] == {"header": True, "encoding": "utf-8", "lineTerminators": [ending],
                               "skipInitialSpace": False}
    assert data.startswith("\ufeff".encode()) is excel  # the spreadsheet flavour opens with a byte-order mark
    lines = data.decode("utf-8-sig").split(ending)
    assert len(lines) > 2 and not any("\r" in line for line in lines[:1])
    header = next(csv.reader(io_.StringIO(lines[0])))
    columns = meta["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == header == [c["titles"] for c in columns]
    declared = dict(query(real_db, "select name, type from pragma_table_info('findings')"))
    assert [c["datatype"] for c in columns] == [SQLITE_TO_CSVW[declared[name]] for name in header]
    assert meta["tableSchema"]["primaryKey"] == "id"
    described = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["databases"]["evidence"]["tables"]
    assert meta["dc:description"] == described["findings"]["description"]
    assert [c["dc:description"] for c in columns] == [described["findings"]["columns"][n] for n in header]
    (content_hash,), = query(real_db, "select content_hash from build_info")
    assert meta["dc:identifier"] == f"content hash {content_hash}" and content_hash in meta["dc:title"]
    assert meta["dc:title"].startswith("findings (") and meta["schema:version"] is None and meta["dc:created"] is None
    assert meta["dc:publisher"] == yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["title"]
    assert meta["rdfs:comment"][:2] == [meta["dc:title"][len("findings ("):-1],
                                        'Filters: {"certainty": ["moderate", "low"], "condition": ["cancer"]}']  # names sorted, values as given
    assert len(meta["rdfs:comment"]) == (3 if excel else 2)
    assert ("apostrophe" in meta["rdfs:comment"][-1]) is excel


def test_a_table_with_a_two_column_key_lists_both(real_db, tmp_path):
    _, meta = exported(real_db, tmp_path, "study_results")
    pk = [name for name, pk in sorted(query(real_db, "select name, pk from pragma_table_info('study_results') "
                                                       "where pk > 0 order by pk"), key=lambda r: r[1])]
    assert meta["tableSchema"]["primaryKey"] == pk and len(pk) == 2
    assert meta["rdfs:comment"][1] == "Filters: {}"


def test_the_csvw_metadata_is_indented_utf_8_json_and_says_what_the_spreadsheet_flavour_changes(real_db, tmp_path):
    import json

    _, meta = exported(real_db, tmp_path, "findings", "--excel")
    text = (tmp_path / "findings1.csv-metadata.json").read_text(encoding="utf-8")
    # written as people read it: indented by two, non-ASCII as itself ("…" in a description), a final line break
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n" and "…" in text
    assert meta["rdfs:comment"][-1] == ("Spreadsheet flavour: a text cell that starts with =, +, - or @ has an "
                                        "apostrophe in front of it, which the data does not have.")


def test_a_workbook_is_a_zip_from_its_first_byte_with_its_columns_sheet_widths(real_db, tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from evidence.cli import cli

    out = tmp_path / "f.xlsx"
    assert CliRunner().invoke(cli, ["export", "findings", "--db", str(real_db), "--format", "xlsx", "-o",
                                    str(out)]).exit_code == 0
    assert out.read_bytes()[:4] == b"PK\x03\x04"  # a zip's local file header (APPNOTE 4.3.7), at offset 0
    sheet = load_workbook(out)["columns"]
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (28, 100)


def test_the_document_exports_are_every_format_but_the_tables():
    names = exports.exports()
    assert "table" not in names and {"bib", "ris", "fhir", "sof", "guideline"} <= set(names)
    assert len(names) == len(set(names))


def test_a_file_header_names_the_release_and_its_date_or_says_it_is_none():
    from evidence.exports import provenance_text

    base = {"content_hash": "abc123", "package_version": "0.1.0"}
    assert provenance_text({**base, "release": "2026.1", "released_at": "2026-05-01"}) == (
        "Work participation evidence, release 2026.1 (2026-05-01); content hash abc123")
    assert provenance_text({**base, "release": "2026.1", "released_at": None}) == (
        "Work participation evidence, release 2026.1; content hash abc123")
    assert provenance_text({**base, "release": None, "released_at": None}) == (
        "Work participation evidence, a build that is not a release; content hash abc123")
    assert provenance_text({}) == "Work participation evidence, a build that is not a release; content hash unknown"


def test_a_killed_exports_temporaries_are_swept_and_a_live_ones_kept(tmp_path, monkeypatch):
    import fcntl
    import os

    from evidence import files
    from evidence.exports import sweep_killed

    target = tmp_path / "out.csv"
    names = [f"{files.temp_prefix(target)}{middle}{files.TEMP_SUFFIX}" for middle in ("aaa", "bbb", "ccc", "ddd")]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (1_000_000_000, 1_000_000_000))  # written long ago
    live = open(tmp_path / names[1], "rb")  # an export still writing holds its lock
    fcntl.flock(live.fileno(), fcntl.LOCK_EX)
    real_open = os.open

    def vanished(path, *args, **kwargs):  # removed by someone else between the listing and the open
        if str(path).endswith(names[2]):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", vanished)
    try:
        assert sweep_killed(target) == [names[0], names[3]]
    finally:
        live.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [names[1], names[2]]


@pytest.mark.parametrize("filters, where", [(("--condition", "cancer"), "where condition = 'cancer'"),
                                            (("--certainty", "high", "--outcome", "job_loss"),
                                             "where certainty = 'high' and outcome = 'job_loss'")])
def test_a_json_export_says_what_it_holds_before_its_rows(real_db, tmp_path, filters, where):
    import json

    from click.testing import CliRunner

    from evidence.cli import cli

    out = tmp_path / "f.json"
    assert CliRunner().invoke(cli, ["export", "findings", "--db", str(real_db), "--format", "json", "-o", str(out),
                                    *filters]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    names = filters[0::2]
    assert doc["table"] == "findings" and doc["filters"] == {
        name.removeprefix("--"): [v for n, v in zip(names, filters[1::2]) if n == name] for name in sorted(names)}
    (content_hash,), = query(real_db, "select content_hash from build_info")
    assert doc["provenance"]["content_hash"] == content_hash
    assert sorted(r["id"] for r in doc["rows"]) == sorted(r[0] for r in query(real_db, f"select id from findings {where}"))
    head = {key: doc[key] for key in ("provenance", "table", "filters")}
    assert text.startswith(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "rows": [')


def test_parquet_and_json_written_in_many_small_pieces_hold_every_row_once(real_db, tmp_path, monkeypatch):
    """With chunks of 3 rows and row groups of 6 (the real ones are 5,000 and 50,000: a group is whole chunks),
    the files hold the database's rows, in one order, the Parquet row groups are 6 rows but the last, and the
    count is every row."""
    import json

    import pyarrow.parquet as pq

    from evidence.exports import tables

    monkeypatch.setattr(tables, "CHUNK_ROWS", 3)
    monkeypatch.setattr(tables, "PARQUET_ROWS", 6)
    ids = [r[0] for r in query(real_db, "select id from findings where condition = 'cancer' order by rowid")]
    assert len(ids) > 6
    with sqlite3.connect(real_db) as conn:
        data, written = exports.render(exports.find("table", "parquet"), conn, "findings", {"condition": ["cancer"]})
        text, listed = exports.render(exports.find("table", "json"), conn, "findings", {"condition": ["cancer"]})
    assert written.count == listed.count == len(ids)
    out = tmp_path / "f.parquet"
    out.write_bytes(data)
    parquet = pq.ParquetFile(out)
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.metadata.num_row_groups)]
    assert sizes == [6] * (len(ids) // 6) + ([len(ids) % 6] if len(ids) % 6 else [])
    table = parquet.read()
    in_parquet = table.column("id").to_pylist()
    assert sorted(in_parquet) == sorted(ids) and [row["id"] for row in json.loads(text)["rows"]] == in_parquet
    assert table.schema == tables._parquet_schema(sqlite3.connect(real_db), "findings")
    (content_hash,), = query(real_db, "select content_hash from build_info")
    assert json.loads(parquet.schema_arrow.metadata[b"evidence"])["content_hash"] == content_hash


def test_a_format_is_found_by_name_or_as_the_default_and_an_unknown_one_is_named():
    from evidence.problems import EvidenceError

    assert exports.find("table", None).name == "csv" and exports.find("table", "xlsx").name == "xlsx"
    assert exports.find("sof", None).name == "md" and exports.find("sof", "html").name == "html"
    with pytest.raises(EvidenceError) as table:
        exports.find("table", "pdf")
    names = ", ".join(f.name for f in exports.formats_of("table"))
    assert str(table.value) == f"unknown format 'pdf' for a table; formats: {names}" and "parquet" in names
    with pytest.raises(EvidenceError) as sof:
        exports.find("sof", "pdf")
    assert str(sof.value) == "unknown format 'pdf' for sof; formats: md, html, docx"
