"""The files that cite a release, read as their formats define them: CITATION.cff (Citation File Format
1.2.0, schema guide: required keys cff-version, message, title, authors; a person has family-names and
given-names, an entity a name) and .zenodo.json (Zenodo's deposit metadata, developers.zenodo.org:
upload_type, publication_date, title, creators each with name "Family name, Given names" and optional
affiliation and orcid, description, version, license). The maintainers file and a previous release
that is not one give clear errors."""

from __future__ import annotations

import json

import pytest
import yaml

from evidence import releases
from evidence.problems import EvidenceError

# ORCID's documentation example iD (Josiah Carberry), as a URL: .zenodo.json takes the bare iD
PERSON = {"family-names": "Carberry", "given-names": "Josiah", "affiliation": "Brown University",
          "orcid": "https://orcid.org/0000-0002-1825-0097"}
ENTITY = {"name": "Work participation evidence maintainers"}
SITE = {"title": "A title from metadata.yml"}


def test_citation_cff_has_the_required_keys_and_this_release():
    cff = yaml.safe_load(releases.citation_cff(SITE, [PERSON, ENTITY], "2026.2", "2026-03-01", "ab" * 32))
    assert {"cff-version", "message", "title", "authors"} <= set(cff) and cff["cff-version"] == "1.2.0"
    assert (cff["title"], cff["version"], cff["date-released"], cff["type"]) == (SITE["title"], "2026.2", "2026-03-01", "dataset")
    assert cff["authors"] == [PERSON, ENTITY] and cff["message"] and cff["abstract"] and cff["license"] == "CC-BY-4.0"
    assert cff["identifiers"] == [{"type": "other", "value": "sha256:" + "ab" * 32,
                                   "description": "Content hash of the release's inputs (build_info.content_hash)."}]
    assert yaml.safe_load(releases.citation_cff({}, [ENTITY], "1", "2026-01-01", "0"))["title"] == "Work participation evidence"


def test_zenodo_json_names_people_family_name_first_with_a_bare_orcid():
    text = releases.zenodo_json(SITE, [PERSON, ENTITY, {"family-names": "Solo"}], "2026.2", "2026-03-01")
    data = json.loads(text)
    assert data["creators"] == [
        {"name": "Carberry, Josiah", "affiliation": "Brown University", "orcid": "0000-0002-1825-0097"},
        {"name": "Work participation evidence maintainers"}, {"name": "Solo"}]
    assert {k: data[k] for k in ("title", "version", "publication_date", "upload_type", "license")} == {
        "title": SITE["title"], "version": "2026.2", "publication_date": "2026-03-01", "upload_type": "dataset",
        "license": "cc-by-4.0"}
    assert data["description"] and text.endswith("}\n") and "\n  " in text  # indented, one value a line
    assert json.loads(releases.zenodo_json({}, [ENTITY], "1", "2026-01-01"))["title"] == "Work participation evidence"
    assert "ö" in releases.zenodo_json({"title": "Zöe"}, [ENTITY], "1", "2026-01-01")  # UTF-8, not \\u escapes


@pytest.mark.parametrize("text, message", [
    (None, "no maintainers file"), ("", "expected a list of authors"), ("[]", "expected a list of authors"),
    ("name: x", "expected a list of authors"), ("- name: x\n- just a string", "expected a list of authors")])
def test_a_bad_maintainers_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "maintainers.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError, match=f"^{path}: {message}"):
        releases.maintainers(path)


def test_maintainers_read_as_utf8(tmp_path):
    path = tmp_path / "maintainers.yaml"
    path.write_bytes("- name: Zöe\n".encode("utf-8"))
    assert releases.maintainers(path) == [{"name": "Zöe"}]


def test_a_previous_database_that_is_not_a_release_is_a_clear_error(real_db):
    with pytest.raises(EvidenceError, match=f"^{real_db}: not a release"):
        releases.previous_release(real_db)
    assert releases.previous_release(None) == ({}, [], None)


def test_the_files_say_what_the_database_is_as_the_readme_does():
    """One description of the database: the README's first sentence (its opening paragraph)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    first = re.sub(r"\s+", " ", readme.split("\n\n")[1].split(". ")[0]).replace("**", "").removeprefix("An ")
    assert first.startswith("open evidence database on interventions")
    zenodo = json.loads(releases.zenodo_json(SITE, [ENTITY], "1", "2026-01-01"))
    assert zenodo["description"] == first[0].upper() + first[1:] + "."
    cff = releases.citation_cff({"title": "Zöe"}, [ENTITY], "1", "2026-01-01", "0")
    assert yaml.safe_load(cff)["abstract"].startswith(first[0].upper() + first[1:] + ":")
    assert "title: Zöe" in cff  # UTF-8 as written, not escaped
