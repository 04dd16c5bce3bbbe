"""Numbers as the source gives them (issue 28 item 7): a cost-benefit ratio is not an amount, a page range
has its en dash, a pooled result shows where no effect was recorded, a first build is not "248 changes"."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.cli import cli
from tests.conftest import client_for, query
from tests.test_synthesis_build import with_studies


def test_a_cost_benefit_ratio_reads_as_a_ratio(site):
    """lambeek-2010b-e2's quote: "every £1 invested in integrated care would return an estimated £26"."""
    page = site("/evidence/economic_evaluations/lambeek-2010b-e2").text
    assert "1 : 26 (GBP 26 per GBP 1)" in page and "GBP 26.0" not in page
    table = site("/evidence/economic_evaluations?measure=cost_benefit_ratio").text
    assert "1 : 26 (EUR 26 per EUR 1)" in table  # lambeek-2010b-e1, the same ratio in the report
    assert "1 : 26 (EUR 26 per EUR 1)" in site("/evidence/economic_evaluations/lambeek-2010b-e1?lang=nl").text
    assert "GBP 5744" in site("/evidence/economic_evaluations/lambeek-2010b-e3").text  # an amount stays an amount


def test_a_page_range_has_an_en_dash(site, real_db):
    source, = query(real_db, "select id from sources where bibtex like '%pages%701--710%'")[0]
    page = site(f"/evidence/sources/{source}").text
    shown = re.sub(r"(?s)<pre>.*?</pre>", "", page)  # the BibTeX record itself keeps BibTeX's --
    assert "701–710" in shown and "701--710" not in shown


def test_a_pooled_result_stands_where_no_effect_was_recorded(project):
    """The BCG studies pooled (metafor's rma(): RR 0.49, 0.34 to 0.70, docs/reference/rma.uni.html), no
    effect recorded: the relative effect is the pooled one, said to be pooled, not "not reported"."""
    with_studies(project)
    db = project.root / "evidence.db"
    builder.build(Path("data"), db)
    page = client_for(db)("/evidence/findings/smith-2020-f1").text
    cell = page.split('<td class="effect">')[1].split("</td>")[0]
    assert cell.startswith("RR 0.49 (0.34 to 0.70)") and "pooled" in cell and "not reported" not in cell
    dutch = client_for(db)("/evidence/findings/smith-2020-f1?lang=nl").text
    assert '<td class="effect">RR 0,49 (0,34 tot 0,70)' in dutch


def test_a_first_build_says_so_and_shows_nothing_new(project):
    result = CliRunner().invoke(cli, ["build", "--db", "evidence.db"])
    assert result.exit_code == 0 and "a first build" in result.output and "since the previous build" not in result.output
    page = client_for(project.root / "evidence.db")("/").text
    assert "New since the previous build" not in page
    project.edit("Work support may increase return to work.\n", "Work support may increase return to work a little.\n")
    result = CliRunner().invoke(cli, ["build", "--db", "evidence.db"])
    assert "change(s) since the previous build" in result.output
    assert "New since the previous build" in client_for(project.root / "evidence.db")("/").text
