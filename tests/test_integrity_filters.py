"""An unknown filter value is an error, not an empty export that reads as "no evidence" (issue 22, item 13):
the message names the closest known value, or lists the known ones; nothing is written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from evidence.cli import cli


@pytest.mark.parametrize("args, message", [
    (["--condition", "nosuchcondition"], "--condition 'nosuchcondition' is not a known condition ("),
    (["--certainty", "Moderate"], "--certainty 'Moderate' is not a known certainty (did you mean 'moderate'?)"),
    (["--certainty", "high", "--certainty", "very-low"], "--certainty 'very-low' is not a known certainty (did you mean 'very_low'?)"),
    (["--outcome", "return_to_wrk"], "--outcome 'return_to_wrk' is not a known outcome (did you mean 'return_to_work'?)"),
    (["--source", "smith-2002"], "--source 'smith-2002' is not a known source id (did you mean 'smith-2020'?)"),
    (["--intervention-type", "zzz"], "--intervention-type 'zzz' is not a known intervention_type ("),
])
def test_an_unknown_filter_value_is_an_error(project, args, message):
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    for what in (["findings"], ["bib"], ["sof"], ["fhir"]):
        result = runner.invoke(cli, ["export", *what, *args, "-o", "out.txt"])
        assert result.exit_code == 1 and message in result.stderr, (what, result.output)
        assert not (project.root / "out.txt").exists()


def test_known_values_still_export(project):
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    result = runner.invoke(cli, ["export", "findings", "--condition", "cancer", "--certainty", "low"])
    assert result.exit_code == 0 and "smith-2020-f1" in result.stdout


@pytest.mark.parametrize("path, message", [
    # the real data now has chronic_conditions, which difflib offers as the closest condition
    ("/evidence/findings?condition=nosuchcondition", "'nosuchcondition' is not a known condition (did you mean 'chronic_conditions'?)."),
    ("/evidence/findings.json?certainty=Moderate", "'Moderate' is not a known certainty (did you mean 'moderate'?)."),
    ("/evidence/findings?certainty__exact=very-low", "'very-low' is not a known certainty (did you mean 'very_low'?)."),
    ("/evidence/economic_evaluations.csv?condition=canc", "'canc' is not a known condition (did you mean 'cancer'?)."),
    ("/evidence/findings?source_id=kumar-2017x", "'kumar-2017x' is not a known source id (did you mean 'kumar-2017'?)."),
])
def test_an_unknown_filter_value_on_the_site_is_a_400(site, path, message):
    response = site(path)
    assert response.status_code == 400 and response.text.startswith(message)


def test_known_filter_values_on_the_site_are_served(site):
    response = site("/evidence/findings.json?condition=traumatic_brain_injury&certainty=very_low&_shape=array")
    assert response.status_code == 200 and any(r["id"] == "kumar-2017-f1" for r in response.json())
