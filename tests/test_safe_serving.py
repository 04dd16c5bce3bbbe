"""Safe serving: read-only database, a SQL time limit, and data never interpreted as HTML."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from evidence import build as builder
from evidence.serve import app
from tests.conftest import ROOT

SCRIPT = "<script>alert(1)</script>"


def get(db: Path, path: str):
    return asyncio.run(app(db, ROOT / "metadata.yml").client.get(path))


@pytest.mark.parametrize("sql", ["delete from findings", "insert into conditions (id) values ('x')",
                                 "drop table findings", "update findings set certainty = 'high'"])
def test_write_sql_is_refused(real_db, sql):
    before = real_db.read_bytes()
    response = get(real_db, "/evidence.json?" + urlencode({"sql": sql}))
    assert response.status_code in (400, 403) and not response.json()["ok"]
    assert real_db.read_bytes() == before


def test_a_pathological_query_is_stopped_by_the_time_limit(real_db):
    started = time.monotonic()
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = get(real_db, "/evidence.json?" + urlencode({"sql": sql}))
    assert response.status_code == 400 and "took too long" in response.json()["error"]
    assert time.monotonic() - started < 10


@pytest.fixture
def hostile_db(project) -> Path:
    """A project whose every text field carries markup."""
    project.edit("population: adults with cancer", f"population: adults {SCRIPT}")
    project.edit("statement: Work support may increase return to work.", f"statement: Work support may increase return to work {SCRIPT}.")
    project.edit("quote: Work support may increase return to work.", f"quote: '{SCRIPT}'\n      note: '{SCRIPT}'")
    project.edit("source_locator: p. 1", f"source_locator: '{SCRIPT}'")
    bib = (project.data / "references.bib").read_text()
    bib = bib.replace("Smith, Jane and Jones, Bob", "{" + SCRIPT + "}").replace("10.1000/xyz123", '10.1000/"><script>x</script>')
    bib += "\n@misc{ongoing1, author = {{" + SCRIPT + "}}, title = {" + SCRIPT + "}, year = {2024}}\n"
    (project.data / "references.bib").write_text(bib)
    with (project.data / "studies.yaml").open("a") as f:
        f.write("- id: ongoing-2024\n  citation_key: ongoing1\n  design: protocol\n  status: ongoing\n"
                "  conditions: [cancer]\n  intervention_types: [vocational]\n")
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    return db


PAGES = ["/evidence", "/evidence/findings", "/evidence/findings?_all=1", "/evidence/findings/smith-2020-f1",
         "/evidence/sources", "/evidence/sources/smith-2020", "/evidence/sources/ongoing-2024", "/gap-map",
         "/-/search?q=work", "/evidence/findings.sof", "/evidence/moderate_or_high_certainty",
         "/evidence/condition_evidence?condition=cancer", "/evidence/pending_studies"]


@pytest.mark.parametrize("path", PAGES)
def test_markup_in_data_is_escaped(hostile_db, path):
    response = get(hostile_db, path)
    assert response.status_code == 200, response.text[:500]
    assert "<script>alert(1)</script>" not in response.text and "<script>x</script>" not in response.text


def test_escaped_text_is_still_shown(hostile_db):
    page = get(hostile_db, "/evidence/findings/smith-2020-f1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://doi.org/10.1000/%22%3E%3Cscript%3Ex%3C/script%3E"' in get(hostile_db, "/evidence/sources/smith-2020").text
