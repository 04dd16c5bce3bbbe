"""BibTeX and RIS exports: round trips through bibtexparser and rispy, and the cited set."""

from __future__ import annotations

import bibtexparser
import rispy
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT, query


def export(*args: str):
    return CliRunner().invoke(cli, ["export", *args])


def test_bibtex_round_trips_to_the_same_keys_and_fields(real_db, tmp_path):
    out = tmp_path / "all.bib"
    assert export("bib", "--db", str(real_db), "-o", str(out)).exit_code == 0
    exported = {e.key: e.fields_dict for e in bibtexparser.parse_file(str(out)).entries}
    original = {e.key: e.fields_dict for e in bibtexparser.parse_file(str(ROOT / "data" / "references.bib")).entries}
    assert exported.keys() == original.keys()
    for key, fields in original.items():
        want = {k: f.value for k, f in fields.items()}
        # biblatex has no pmid or pmcid field: a PMID is eprint with eprinttype pubmed (biblatex manual,
        # 3.14.7), a PMCID goes in the note
        if "pmid" in want:
            want.update(eprint=want.pop("pmid"), eprinttype="pubmed")
        if "pmcid" in want:
            pmcid = want.pop("pmcid")
            want["note"] = f"{want['note']}. PMCID: {pmcid}" if want.get("note") else f"PMCID: {pmcid}"
        assert {k: f.value for k, f in exported[key].items()} == want, key


def test_biber_validates_the_fields(real_db, tmp_path):
    """biber's data-model check (biber --tool --validate-datamodel) finds no field biblatex does not
    know; what it still reports is data the sources do not give (a title, a year), never invented."""
    import shutil
    import subprocess

    import pytest

    if not shutil.which("biber"):
        pytest.skip("biber is not installed (apt-get install biber)")
    out = tmp_path / "all.bib"
    assert export("bib", "--db", str(real_db), "-o", str(out)).exit_code == 0
    log = subprocess.run(["biber", "--tool", "--validate-datamodel", out.name], cwd=tmp_path,
                         capture_output=True, text=True).stdout
    warnings = [line for line in log.splitlines() if line.startswith("WARN")]
    assert warnings and all("Missing mandatory field" in w for w in warnings), warnings
    assert "pmid" not in log.lower() and "EPRINTTYPE = {pubmed}" in (tmp_path / "all_bibertool.bib").read_text()


def test_bibliography_of_a_filtered_set_is_the_sources_it_cites(real_db, tmp_path):
    out = tmp_path / "moderate.bib"
    export("bib", "--db", str(real_db), "--certainty", "moderate", "-o", str(out))
    keys = {e.key for e in bibtexparser.parse_file(str(out)).entries}
    expected = {r[0] for r in query(real_db, "select distinct s.citation_key from findings f join sources s on s.id = f.source_id "
                                             "where f.certainty = 'moderate'")}
    assert keys == expected


def test_ris_parses_back_with_rispy(real_db, tmp_path):
    out = tmp_path / "cancer.ris"
    assert export("ris", "--db", str(real_db), "--condition", "cancer", "-o", str(out)).exit_code == 0
    records = {r["id"]: r for r in rispy.loads(out.read_text(encoding="utf-8"))}
    expected = {r[0]: r for r in query(real_db, "select citation_key, title, doi, year from sources")}
    cited = {r[0] for r in query(real_db, "select distinct s.citation_key from sources s where s.id in "
                                          "(select source_id from findings where condition = 'cancer' union "
                                          "select source_id from economic_evaluations where condition = 'cancer') "
                                          "or exists (select 1 from json_each(s.conditions) where value = 'cancer')")}
    assert set(records) == cited
    for key, record in records.items():
        if expected[key][2]:
            assert record["doi"] == expected[key][2] and record["year"] == str(expected[key][3])
    assert records["deboer2024"]["authors"][0] == "de Boer, A. G. E. M."
    assert records["deboer2024"]["type_of_reference"] == "JOUR" and "1." not in out.read_text().splitlines()


def test_ris_decodes_latex_and_keeps_particles(real_db):
    text = export("ris", "--db", str(real_db), "--source", "madsen-2021", "--source", "de-boer-2011").stdout
    assert "AU  - von Bülow, C." in text and "AU  - de Boer" in text and "{" not in text


def test_latex_is_decoded_in_plain_text_columns_and_exports(project, tmp_path):
    from pathlib import Path

    import pandas as pd

    from evidence import build as builder

    project.edit("author = {Smith, Jane and Jones, Bob}", 'author = {von B{\\"u}low, Jane and Jones, Bob}', "references.bib")
    project.edit("title = {A trial of work support}", "title = {A trial of work support in {NVKA} clinics}", "references.bib")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    assert query(db, "select authors, title, label from sources") == [
        ("von Bülow, Jane and Jones, Bob", "A trial of work support in NVKA clinics", "von Bülow 2020")]
    out = tmp_path / "s.csv"
    export("sources", "--db", str(db), "-o", str(out))
    assert pd.read_csv(out)["authors"][0] == "von Bülow, Jane and Jones, Bob"


def test_ris_notes_pages_and_et_al(project):
    from pathlib import Path

    from evidence import build as builder

    project.edit("  pmid = {12345678},", "  pmid = {12345678},\n  pages = {268–277},\n  note = {Epub ahead of print},",
                 "references.bib")
    project.edit("author = {Smith, Jane and Jones, Bob}", "author = {Smith, Jane and others}", "references.bib")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    ris = export("ris", "--db", str(db)).stdout
    assert ris.count("N1  - ") == 3 and "N1  - Epub ahead of print" in ris and "et al." in ris
    assert "AN  - 12345678" in ris and "N1  - PMID: 12345678" in ris  # Zotero reads AN; citation-js the note
    assert "SP  - 268" in ris and "EP  - 277" in ris
    [record] = rispy.loads(ris)
    assert record["authors"] == ["Smith, Jane"] and record["start_page"] == "268" and record["end_page"] == "277"


def test_bibtex_entries_written_one_at_a_time_and_kept_read_as_all_at_once(real_db, monkeypatch):
    """to_bibtex writes each stored entry on its own and keeps it: the text is, byte for byte, that of
    parsing and writing the entries all at once (cold, warm, in any order), and a kept entry is not parsed
    again. Entries that are not one entry each (a comment, a broken entry) or repeat a key are written all
    at once, as before."""
    from evidence.exports import references

    def all_at_once(raw: list[str]) -> str:
        library = all_parse("\n\n".join(raw))
        for entry in library.entries:
            references.identifiers(entry)
        return bibtexparser.write_string(library)

    raw = [r[0] for r in query(real_db, "select bibtex from sources where bibtex is not null order by id")]
    assert len(raw) > 20 and any("pmid" in r.lower() for r in raw)
    monkeypatch.setattr(references, "RENDERED", {})
    assert references.to_bibtex(raw[:10]) == all_at_once(raw[:10])  # cold
    parsed = []
    monkeypatch.setattr(bibtexparser, "parse_string", lambda text, **kw: parsed.append(text) or all_parse(text, **kw))
    assert references.to_bibtex(raw[9::-1]) == all_at_once(raw[9::-1]) and parsed == []  # kept, in another order
    assert references.to_bibtex(raw) == all_at_once(raw) and len(parsed) == 1 and raw[0] not in parsed[0]
    renamed = raw[1].replace(raw[1].split("{", 1)[1].split(",", 1)[0], raw[0].split("{", 1)[1].split(",", 1)[0], 1)
    for odd in (raw[:3] + ["@comment{a note}"] + raw[3:5], raw[:3] + ["@article{broken,"] + raw[3:5], raw[:2] * 2,
                [raw[0], renamed]):
        assert references.to_bibtex(odd) == all_at_once(odd), odd



all_parse = bibtexparser.parse_string  # as imported, whatever a test puts in its place
