"""Where findings are listed: each result counted once (one rule: serving_counts.sql's counted_ views,
read by every count), a source's status beside its findings when it does not count in overviews
(README, curation rule 8: "Status shows wherever a finding is listed"), and the most certain first."""

from __future__ import annotations

import json
import re

from tests.conftest import query
from tests.oracle_counts import counted_per_condition

RANKS = {"high": 4, "moderate": 3, "low": 2, "very_low": 1}  # evidence/scales.yaml: certainty ranks


def shown_counts(page: str) -> dict[str, int]:
    return {c: int(n) for c, n in re.findall(r'href="/condition/([a-z_]+)">[^<]+</a></td>\s*<td data-label="[^"]+" class="number">(\d+)</td>', page)}


def test_the_front_page_and_the_facet_give_the_same_count(site, real_db):
    """Issue 28 item 6: the front page said chronic pain 8 findings, the facet 9."""
    front = shown_counts(site("/").text)
    facet = {v["value"]: v["count"] for v in site("/evidence/findings.json?_size=0").json()["facet_results"]["condition"]["results"]}
    filtered = {v["value"]: v["count"] for v in site("/evidence/findings.json?_size=0&source_id__notblank=1").json()["facet_results"]["condition"]["results"]}
    assert front["chronic_pain"] == facet["chronic_pain"] == filtered["chronic_pain"] == counted_per_condition(real_db)["chronic_pain"]
    assert {c: n for c, n in front.items() if n} == facet == filtered
    condition = site("/condition/chronic_pain").text
    assert f"<strong>{front['chronic_pain']} findings</strong>" in condition


def test_a_broader_condition_counts_and_lists_its_narrower_ones(site, real_db):
    page = site("/condition/rheumatic_musculoskeletal_diseases").text
    narrower = [i for (i,) in query(real_db, "select id from findings where condition in ('rheumatoid_arthritis', "
                                             "'inflammatory_arthritis') and same_result_as is null")]
    assert narrower and all(f'href="/evidence/findings/{i}"' in page for i in narrower)
    facet = site("/evidence/findings.json?_size=0").json()["facet_results"]["condition"]["results"]
    broad = next(v for v in facet if v["value"] == "rheumatic_musculoskeletal_diseases")
    listed = site(broad["toggle_url"].replace("http://localhost", "").replace(".json", "").replace("_size=0&", "")).text
    assert broad["count"] == counted_per_condition(real_db)["rheumatic_musculoskeletal_diseases"]
    assert all(f'href="/evidence/findings/{i}"' in listed for i in narrower)


def test_superseded_and_awaiting_sources_are_marked_where_findings_are_listed(site):
    """de Boer 2011 is superseded (data/: status superseded): its OR 2.32 must not look current."""
    for path in ("/evidence/findings?condition=cancer", "/search?q=psychological", "/condition/cancer"):
        page = site(path).text
        row = page.split('href="/evidence/findings/de-boer-2011-f1"')[1].split("</tr>")[0].split("</li>")[0]
        assert "superseded by a later version" in row, path
    cell = {(c["condition"], c["intervention_type"]): c for r in site("/gap-map.json").json()["rows"] for c in r["cells"]}[
        ("cancer", "psychological")]
    assert cell["best_certainty"] is None and cell["outside_certainty"] == "low"


def test_a_repeat_is_marked_and_links_to_where_it_is_counted(site, real_db):
    repeat, first = query(real_db, "select id, same_result_as from findings where same_result_as is not null limit 1")[0]
    condition = query(real_db, "select condition from findings where id = ?", (repeat,))[0][0]
    page = site(f"/evidence/findings?condition={condition}").text
    row = page.split(f'href="/evidence/findings/{repeat}"')[1].split("</tr>")[0]
    assert f'href="/evidence/findings/{first}"' in row and "counted once, there" in row


def test_findings_are_listed_most_certain_first(site):
    page = site("/evidence/findings?condition=traumatic_brain_injury").text
    ranks = [RANKS[c] for c in re.findall(r'class="certainty certainty-([a-z_]+)"', page)]
    assert ranks == sorted(ranks, reverse=True) and len(ranks) == 4  # issue 28: was low, moderate, moderate, very low
    search = site("/search?q=work").text.split('id="results-findings"')[1].split("</section>")[0]
    ranks = [RANKS.get(c, 0) for c in re.findall(r'class="certainty certainty-([a-z_]+)"', search)]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > 0
    relevance = site("/search?q=work&sort=relevance").text.split('id="results-findings"')[1].split("</section>")[0]
    assert re.findall(r'/evidence/findings/([\w-]+)"', relevance) != re.findall(r'/evidence/findings/([\w-]+)"', search)


def test_a_condition_page_counts_economic_evaluations_as_the_front_page_does(site, real_db):
    """A cost analysis read in two documents is one evaluation (same_result_as): the condition page's count
    is the front page's, and each repeat on it says where it is counted. Oracle: the rows themselves."""
    front = re.search(r'href="/condition/chronic_pain">[^<]+</a></td>(.*?)</tr>', site("/").text, re.S).group(1)
    shown = [int(n) for n in re.findall(r'class="number">(\d+)</td>', front)]
    [(once,)] = query(real_db, "select count(*) from economic_evaluations where condition = 'chronic_pain' "
                               "and same_result_as is null")
    repeats = query(real_db, "select id, same_result_as from economic_evaluations where condition = 'chronic_pain' "
                             "and same_result_as is not null")
    assert repeats and once in shown
    page = site("/condition/chronic_pain").text
    assert f"{once} economic evaluations" in page or f"{once} economic evaluation " in page
    for rid, first in repeats:
        card = page.split(f'href="/evidence/economic_evaluations/{rid}"')[1].split("</li>")[0]
        assert f'href="/evidence/economic_evaluations/{first}"' in card and "counted once, there" in card
    assert "1 : 26" in page and "EUR 26 per EUR 1" in page  # a cost-benefit ratio, not an amount
