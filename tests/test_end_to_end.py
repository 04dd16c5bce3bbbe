"""A maintainer's round trip, with the commands of the README: add a review, rebuild, see it in the
database, the gap map and the changelog; then a broken file stops the rebuild and changes nothing."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT, client_for, query

NEW_REVIEW_BIB = """@article{newman2025,
  author  = {Newman, A. and Jansen, B.},
  title   = {Vocational rehabilitation after traumatic brain injury: a systematic review},
  journal = {Journal of Occupational Rehabilitation},
  year    = {2025},
}
"""

NEW_REVIEW = """- id: newman-2025
  citation_key: newman2025
  design: systematic_review
  status: included
  findings:
    - id: f1
      condition: traumatic_brain_injury
      population: adults with traumatic brain injury
      intervention_type: vocational
      intervention: vocational rehabilitation
      comparator: usual care
      outcome: return_to_work
      timepoint: 12 months
      certainty: low
      direction: benefit
      statement: Vocational rehabilitation may increase return to work at 12 months.
      source_document: published-facts.md
      source_locator: test record
      quote: Vocational rehabilitation may increase return to work at 12 months.
"""


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_add_a_review_rebuild_and_survive_a_broken_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    assert run("build").exit_code == 0
    db = tmp_path / "evidence.db"
    gap_before = query(db, "select count(*) from findings where condition = 'traumatic_brain_injury' "
                           "and intervention_type = 'vocational'")[0][0]

    # 1. scaffold the new review from its BibTeX entry, then curate it in its own file
    added = run("add", "-", input=NEW_REVIEW_BIB)
    assert added.exit_code == 0, added.output
    stub = tmp_path / "data" / "newman-2025.yaml"
    assert "status: awaiting_classification" in stub.read_text()
    stub.write_text(NEW_REVIEW, encoding="utf-8")

    # 2. rebuild with a changelog: the database, the gap map and the changelog show the review
    built = run("build", "--changelog", "changelog.md")
    assert built.exit_code == 0, built.output
    assert query(db, "select label from sources where id = 'newman-2025'") == [("Newman 2025",)]
    assert query(db, "select certainty from findings where id = 'newman-2025-f1'") == [("low",)]
    get = client_for(db)
    gap = get("/gap-map.json").json()
    cell = next(c for row in gap["rows"] for c in row["cells"]
                if (c["condition"], c["intervention_type"]) == ("traumatic_brain_injury", "vocational"))
    assert cell["findings"] == gap_before + 1 and cell["best_certainty"] == "low"
    changelog = (tmp_path / "changelog.md").read_text()
    assert "added: `newman-2025`" in changelog and "added: `newman-2025-f1`" in changelog
    assert query(db, "select table_name, change from changes order by id") == [
        ("sources", "added"), ("findings", "added")]
    front = get("/").text
    assert "1 finding added" in front and "1 source added" in front

    # 3. a broken file: FILE:LINE errors, the database byte-identical and still serving
    before = db.read_bytes()
    (tmp_path / "data" / "broken.yaml").write_text("- id: broken-2025\n  citation_key: newman2025\n  design: rtc\n",
                                                   encoding="utf-8")
    broken = run("build")
    assert broken.exit_code == 1
    assert "data/broken.yaml:3: broken-2025.design: 'rtc' is not a known design (did you mean 'rct'?)" in broken.output
    assert "nothing was written" in broken.output and "Traceback" not in broken.output
    assert db.read_bytes() == before
    served = client_for(db)("/evidence/findings/newman-2025-f1.json")
    assert served.status_code == 200
