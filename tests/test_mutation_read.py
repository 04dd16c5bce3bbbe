"""Faults planted in evidence/metadata.py (and read.py) that their other tests let through (bench/mutation.py,
group read): `evidence metadata` writes metadata.yml as it is (a fixed point, byte for byte), keeps what
is hand-written, and reads it as strictly as the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import metadata
from evidence.problems import EvidenceError
from tests.conftest import ROOT


def test_evidence_metadata_writes_the_committed_file_unchanged(tmp_path):
    """metadata.yml was written by `evidence metadata`: writing it again changes no byte (its header, the
    SQL as | blocks, non-ASCII kept, lines up to 110 characters, the keys in their order)."""
    copy = tmp_path / "metadata.yml"
    copy.write_bytes((ROOT / "metadata.yml").read_bytes())
    metadata.write(copy)
    assert copy.read_bytes() == (ROOT / "metadata.yml").read_bytes()


def test_a_new_metadata_file_holds_every_table_described(tmp_path):
    path = tmp_path / "metadata.yml"
    metadata.write(path)
    written = metadata.read(path)
    assert list(written) == ["databases"]
    tables = written["databases"]["evidence"]["tables"]
    assert tables == {name: {"description": d["description"], "columns": d["columns"]}
                      for name, d in metadata.described_tables().items()}
    assert path.read_text(encoding="utf-8").startswith(metadata.HEADER)


def test_sync_replaces_only_the_descriptions():
    mine = {"title": "T", "databases": {"evidence": {"queries": {"q": {"sql": "select 1"}},
                                                     "tables": {"findings": {"description": "old", "columns": {"x": "y"},
                                                                             "facets": ["condition"]}}}}}
    out = metadata.synced(mine)
    findings = out["databases"]["evidence"]["tables"]["findings"]
    described = metadata.described_tables()["findings"]
    assert findings == {"description": described["description"], "columns": described["columns"], "facets": ["condition"]}
    assert out["title"] == "T" and out["databases"]["evidence"]["queries"] == {"q": {"sql": "select 1"}}


def test_a_multi_line_string_is_a_block_and_a_long_line_is_not_folded():
    text = metadata.dump({"sql": "select 1\nfrom t\n", "long": "word " * 19 + "end", "name": "één"})
    assert "sql: |\n  select 1\n  from t\n" in text
    assert "long: " + "word " * 19 + "end\n" in text and "name: één\n" in text
    assert text.index("sql:") < text.index("long:") < text.index("name:")


def test_settings_are_a_copy_and_empty_when_absent():
    given = {"settings": {"sql_time_limit_ms": 1000}}
    settings = metadata.settings(given)
    settings["x"] = 1
    assert given["settings"] == {"sql_time_limit_ms": 1000}
    assert metadata.settings({}) == {} and metadata.settings({"settings": None}) == {}


@pytest.mark.parametrize("content, message", [
    (b"title: a\ntitle: b\n", "metadata.yml:2: found duplicate key 'title'"),
    (b"title: \xff\n", "metadata.yml: not UTF-8 text (a Datasette metadata file is YAML)"),
    (b"title: [a\n", "metadata.yml:2:"),
])
def test_a_bad_metadata_file_is_named_with_its_line(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    Path("metadata.yml").write_bytes(content)
    with pytest.raises(EvidenceError) as e:
        metadata.read(Path("metadata.yml"))
    assert str(e.value).startswith(message)


def test_an_empty_metadata_file_is_an_empty_mapping(tmp_path):
    (tmp_path / "m.yml").write_text("")
    assert metadata.read(tmp_path / "m.yml") == {}
