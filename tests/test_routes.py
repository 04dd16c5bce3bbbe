"""Every route of the site, fetched on a plain build and on a release of the curated data, in English and
in Dutch, asserting what a reader sees that comes from the data (issue 23, item 3): a finding's
statement, a condition's name in the page's language, a release's version, a count computed here from
the YAML in data/ (or tests/oracle_counts.py), never from the page's own queries.

The routes are read from the plugins' ``register_routes`` hooks (tests/test_docs.py's ``site_routes``),
so a new route fails ``test_every_route_has_a_content_check`` until a check below is written for it.
Datasette's own table and row pages, and the download links /data shows, are fetched for every table
/data lists.

The release database: release 2026.1 of the curated data with one finding's population edited, then
release 2026.2 of the curated data as it is, with 2026.1 as the previous release. Its tables hold the
curated data, so every check that holds for the plain build holds for it; it adds a release history.
"""

from __future__ import annotations

import csv
import os
import html
import io
import json
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

import feedparser
import pytest
import yaml
from click.testing import CliRunner

from evidence.cli import cli
from tests.conftest import ROOT, SHARED, cached_build, client_for, query
from tests.oracle_counts import counted_per_condition
from tests.test_docs import site_routes

DATA = ROOT / "data"
CHANGED = "kudre-2020-f1"  # its population differs in 2026.1; in the conclusions' condition and family of q2
DRAFT = "cancer patients (before 2026.2)"
LANGS = ("en", "nl")
KINDS = ("plain", "release")


# --- the oracle: the curated YAML, read here ---------------------------------------------------------


@lru_cache(maxsize=None)
def curated() -> dict:
    """Records of data/ by kind, read with PyYAML (not the package's reader): sources with their findings
    and economic evaluations (ids as the README defines them: the source's id, '-', the record's id), the
    guideline's questions with their recommendations, and the vocabularies."""
    sources, findings, evaluations, questions = [], {}, {}, []
    for path in sorted(DATA.glob("*.yaml")):
        for record in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "question" in record:
                questions.append(record)
                continue
            sources.append(record)
            for f in record.get("findings") or []:
                findings[f"{record['id']}-{f['id']}"] = {**f, "source_id": record["id"]}
            for e in record.get("economic_evaluations") or []:
                evaluations[f"{record['id']}-{e['id']}"] = {**e, "source_id": record["id"]}
    vocabulary = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (DATA / "vocabulary").glob("*.yaml")}
    return {"sources": sources, "findings": findings, "economic_evaluations": evaluations, "questions": questions,
            "vocabulary": vocabulary}


def term_name(kind: str, term: str, lang: str) -> str:
    attributes = curated()["vocabulary"][kind][term]
    return attributes["name_nl" if lang == "nl" else "name"]


def visible(page: str) -> str:
    """A page's text as a reader sees it: no markup, entities decoded, white space collapsed."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def shows(page: str, value: str) -> bool:
    """Whether the page shows the text, however its words are marked up (a search marks the words found)."""
    return re.sub(r"\s+", "", value) in re.sub(r"\s+", "", visible(page))


def links(page: str, prefix: str) -> set[str]:
    return {unquote(html.unescape(h)) for h in re.findall(rf'href="({re.escape(prefix)}[^"#?]*)', page)}


def number(n: int, lang: str) -> str:
    """A count as the page writes it: 1,234 in English, 1.234 in Dutch."""
    return f"{n:,}".replace(",", "." if lang == "nl" else ",")


# --- the two databases -------------------------------------------------------------------------------


def release(version: str, date: str, data: Path, db: Path, *extra: str) -> None:
    result = CliRunner().invoke(cli, ["release", version, "--data", str(data), "--db", str(db), "--date", date,
                                      "--metadata", str(ROOT / "metadata.yml"), "--maintainers",
                                      str(ROOT / "maintainers.yaml"), "--citation-dir", str(db.parent), *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("release")
    return cached_build("released.db", folder / "evidence.db", lambda: release_twice(folder))


def release_twice(folder: Path) -> None:
    draft = folder / "draft"
    shutil.copytree(DATA, draft)
    studies = draft / "studies.yaml"
    text = studies.read_text(encoding="utf-8")
    source, finding = CHANGED.rsplit("-", 1)
    at = text.index(f"- id: {source}\n")
    old = f"    - id: {finding}\n      condition: cancer\n      population: cancer patients\n"
    assert text.index(old, at) > at
    studies.write_text(text[:at] + text[at:].replace(old, old.replace("cancer patients", DRAFT), 1), encoding="utf-8")
    (folder / "first").mkdir()
    # the curated quotes, checked against the real documents (the draft is a copy beside no ../shared; this
    # module-scoped fixture runs before the function-scoped switch that turns provenance off)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_DOCUMENTS", os.pathsep.join(str(p) for p in (SHARED / "seeds", SHARED / "published-facts.md")))
        release("2026.1", "2026-01-15", draft, folder / "first" / "evidence.db")
        release("2026.2", "2026-06-01", DATA, folder / "evidence.db", "--previous", str(folder / "first" / "evidence.db"))


@dataclass
class Site:
    kind: str  # plain or release
    lang: str
    db: Path
    client: Callable

    def get(self, path: str, status: int = 200):
        path += ("&" if "?" in path else "?") + f"lang={self.lang}" if self.lang == "nl" else ""
        response = self.client(path)
        assert response.status_code == status, (path, response.status_code, response.text[:300])
        return response

    def page(self, path: str, status: int = 200) -> str:
        return self.get(path, status).text

    def text(self, path: str, status: int = 200) -> str:
        return visible(self.page(path, status))

    def releases(self) -> list[tuple[str, str]]:
        """(version, date) of each release, newest first, from the history table."""
        return query(self.db, "select release, max(released_at) from history where release is not null "
                              "group by release order by 2 desc")


@pytest.fixture(scope="module")
def clients(real_db, released) -> dict:
    return {"plain": (real_db, client_for(real_db)), "release": (released, client_for(released))}


@pytest.fixture(params=[(k, lang) for k in KINDS for lang in LANGS], ids=lambda p: f"{p[0]}-{p[1]}")
def site(request, clients) -> Site:
    kind, lang = request.param
    db, client = clients[kind]
    return Site(kind, lang, db, client)


# --- one check per route -------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[Site], None]] = {}


def route(pattern: str):
    def register(check):
        CHECKS[pattern] = check
        return check
    return register


def says_which_release(site: Site, page: str) -> None:
    """Every page's footer: the release's version (linked to its changes) or the data version of a build."""
    content_hash = query(site.db, "select content_hash from build_info")[0][0]
    if site.kind == "release":
        version = site.releases()[0][0]
        assert f'href="/changes/{version}">{version}</a>' in page
    else:
        assert content_hash[:12] in visible(page) and 'href="/changes/' not in page


@route(r"^/$")
def front(site: Site) -> None:
    page = site.page("/")
    text = visible(page)
    data = curated()
    for table in ("findings", "economic_evaluations"):
        assert f" {number(len(data[table]), site.lang)} " in f" {text} ", table
    assert f" {number(len(data['sources']), site.lang)} " in text
    # every condition with findings, by its name in the page's language, with the findings it counts
    for condition, n in counted_per_condition(site.db).items():
        row = re.search(rf'href="/condition/{condition}"[^>]*>([^<]*)</a>\s*</t[hd]>\s*<td[^>]*>\s*(\d+)', page)
        assert row, condition
        assert (html.unescape(row.group(1)).strip(), int(row.group(2))) == (term_name("condition", condition, site.lang), n)
    says_which_release(site, page)


# the tables /data offers: the curated records, the guideline and the vocabularies a reader filters by
DATA_PAGE_TABLES = ("findings", "economic_evaluations", "sources", "questions", "recommendations", "considerations",
                    "study_results", "conditions", "intervention_types", "outcomes", "vocabulary")


def yaml_count(table: str) -> int | None:
    """The table's rows counted in the YAML (None for the vocabulary table, which also holds the fixed scales)."""
    data = curated()
    guideline = {"questions": len(data["questions"]),
                 **{part: sum(len(q.get(part) or []) for q in data["questions"]) for part in ("recommendations", "considerations")}}
    vocabulary = {"conditions": "condition", "intervention_types": "intervention_type", "outcomes": "outcome"}
    if table in ("findings", "economic_evaluations", "sources"):
        return len(data[table])
    if table in guideline:
        return guideline[table]
    if table in vocabulary:
        return len(data["vocabulary"][vocabulary[table]])
    if table == "study_results":
        return sum(len(f.get("studies") or []) for f in data["findings"].values())
    return None


@route(r"^/data$")
def data_page(site: Site) -> None:
    from evidence import exports

    page = site.page("/data")
    rows = dict(re.findall(r'<tr>\s*<td[^>]*><a href="/evidence/([a-z_]+)">.*?</td>\s*<td[^>]*>([\d.,]+)</td>', page, re.S))
    assert set(rows) == set(DATA_PAGE_TABLES)
    for table in DATA_PAGE_TABLES:
        (count,) = query(site.db, f"select count(*) from [{table}]")[0]
        assert rows[table] == number(count, site.lang), table
        if yaml_count(table) is not None:
            assert count == yaml_count(table), table
        own = {f.site_extension for f in exports.site_formats(table) if f.export == "table"}
        assert {f"/download/{table}.{e}" for e in own} <= links(page, f"/download/{table}."), table
    # a document export (bibliography, SoF, FHIR) is one file whichever citing table asks: listed once
    documents = {f.site_extension: f.site_tables for t in DATA_PAGE_TABLES for f in exports.site_formats(t)
                 if f.export != "table"}
    for extension, tables in documents.items():
        listed = [t for t in tables if f"/download/{t}.{extension}" in links(page, f"/download/{t}.")]
        assert len(listed) == 1, (extension, listed)
    says_which_release(site, page)


@route(r"^/condition/(?P<id>[a-z0-9_]+)$")
def condition_pages(site: Site) -> None:
    counts = counted_per_condition(site.db)
    findings = curated()["findings"]
    for condition in curated()["vocabulary"]["condition"]:
        page = site.page(f"/condition/{condition}")
        h1 = visible(re.search(r"(?s)<h1.*?</h1>", page).group(0))
        assert term_name("condition", condition, site.lang).lower() in h1.lower(), condition
        own = {f"/evidence/findings/{i}" for i, f in findings.items()
               if f["condition"] == condition and not f.get("same_result_as")}  # a repeat is listed where counted
        assert own <= links(page, "/evidence/findings/"), condition
        if counts.get(condition):
            assert re.search(rf"\b{counts[condition]}\b", h1 + visible(page)[:2000]), condition
    site.get("/condition/kanker", 404)  # a Dutch name is not an id


@route(r"^/documents/(?P<slug>[^/]+)$")
def document_pages(site: Site) -> None:
    """Each document the front page links: its name in the page's language, and how many findings, economic
    evaluations, recommendations and considerations quote it (a guideline record quotes its module's)."""
    documents = curated()["vocabulary"]["document"]
    quoted = {d: [0, 0, 0, 0] for d in documents}
    for i, table in enumerate(("findings", "economic_evaluations")):
        for record in curated()[table].values():
            quoted[record["source_document"]][i] += 1
    for q in curated()["questions"]:
        quoted[q["source_document"]][2] += len(q.get("recommendations") or [])
        quoted[q["source_document"]][3] += len(q.get("considerations") or [])
    found = links(site.page("/"), "/documents/")
    assert len(found) == len([d for d, n in quoted.items() if n[0] + n[1]])  # those findings or evaluations quote
    for path in found:
        text = site.text(path)
        title = text.split(" — ")[0]
        [document] = [d for d in documents if term_name("document", d, site.lang) == title]
        shown = re.search(r": (\d+) [^·\d]+ · (\d+) [^·\d]+ · (\d+) [^·\d]+ · (\d+) ", text)
        assert shown and [int(n) for n in shown.groups()] == quoted[document], (path, document)


@route(r"^/search(\.(?P<format>json))?$")
def search(site: Site) -> None:
    findings = curated()["findings"]
    # a word of one finding's statement that no other finding's statement has
    words = {i: set(re.findall(r"[a-z]{6,}", f["statement"].lower())) for i, f in findings.items()}
    target, word = next((i, w) for i in sorted(words) for w in sorted(words[i])
                        if not any(w in o for j, o in words.items() if j != i))
    page = site.page(f"/search?q={word}")
    assert f"/evidence/findings/{target}" in links(page, "/evidence/findings/")
    assert shows(page, findings[target]["statement"])
    found = json.loads(site.page(f"/search.json?q={word}"))
    assert target in next(r["ids"] for r in found["results"] if r["table"] == "findings")
    # a condition's Dutch name finds its findings in both languages (the terms' names are indexed)
    cancer = json.loads(site.page("/search.json?q=kanker"))
    ids = next(r["ids"] for r in cancer["results"] if r["table"] == "findings")
    assert ids and all(findings[i]["condition"] == "cancer" for i in ids[:3]), ids


@route(r"^/gap-map(\.(?P<format>json))?$")
def gap_map(site: Site) -> None:
    page = site.page("/gap-map")
    text = visible(page)
    counts = counted_per_condition(site.db)
    for condition in counts:
        assert term_name("condition", condition, site.lang) in text, condition
    for term in curated()["vocabulary"]["intervention_type"]:
        assert term_name("intervention_type", term, site.lang) in text, term
    grid = json.loads(site.page("/gap-map.json"))
    cells = {(c["condition"], c["intervention_type"]): c["findings"] for r in grid["rows"] for c in r["cells"]}
    assert cells == {key: expected_cells().get(key, 0) for key in cells}
    assert {c for c, _ in expected_cells()} <= {c for c, _ in cells} and {t for _, t in expected_cells()} <= {t for _, t in cells}


def lineage(kind: str, term: str) -> list[str]:
    """The term and every broader term above it (``parent:`` in data/vocabulary/<kind>.yaml)."""
    terms = curated()["vocabulary"][kind]
    found = [term]
    while terms[found[-1]].get("parent"):
        found.append(terms[found[-1]]["parent"])
    return found


def expected_cells() -> dict[tuple[str, str], int]:
    """The gap map from the YAML: a finding counted once (no same_result_as) in the cell of its condition
    and its intervention type, and of every broader condition."""
    cells: dict[tuple[str, str], int] = {}
    for f in curated()["findings"].values():
        if f.get("same_result_as"):
            continue
        for c in lineage("condition", f["condition"]):
            cells[(c, f["intervention_type"])] = cells.get((c, f["intervention_type"]), 0) + 1
    return cells


@route(r"^/guideline$")
def guideline(site: Site) -> None:
    text = site.text("/guideline")
    for q in curated()["questions"]:
        assert q["module"] in text and q["question"] in text, q["id"]
        if site.lang == "en" or q.get("module_en"):
            assert q["module_en"] in text, q["id"]


@route(r"^/guideline/(?P<id>[a-z0-9_]+)$")
def question_pages(site: Site) -> None:
    for q in curated()["questions"]:
        page = site.page(f"/guideline/{q['id']}")
        text = visible(page)
        assert q["module"] in text and q["question"] in text, q["id"]
        for r in q.get("recommendations") or []:
            first = " ".join(str(r.get("text") or "").split())[:60]
            assert first in text, (q["id"], r.get("id"))
        for finding in q.get("findings") or []:
            assert f"/evidence/findings/{finding}" in links(page, "/evidence/findings/"), (q["id"], finding)
    site.get("/guideline/q99", 404)


@route(r"^/guideline/(?P<id>[a-z0-9_]+)\.atom$")
def question_feeds(site: Site) -> None:
    changed = {r[0] for r in query(site.db, "select record_id from history where table_name = 'findings' and "
                                            "change = 'changed'")}
    entries = {}
    for q in curated()["questions"]:
        feed = feedparser.parse(site.page(f"/guideline/{q['id']}.atom"))
        assert not feed.bozo and feed.feed.title == f"{q['module']}: new evidence", q["id"]
        for e in feed.entries:
            finding = e.link.rsplit("/", 1)[1]
            assert e.title == curated()["findings"][finding]["statement"]
            entries.setdefault(finding, set()).add(q["id"])
    # news is what changed after the first release: nothing in a plain build, the edited finding in the release
    assert set(entries) == (changed if site.kind == "release" else set())
    if site.kind == "release":
        assert changed == {CHANGED} and "q2" in entries[CHANGED]


@route(r"^/changes$")
def changes(site: Site) -> None:
    page = site.page("/changes")
    releases = site.releases()
    assert [v for v, _ in releases] == (["2026.2", "2026.1"] if site.kind == "release" else [])
    listed = sorted(links(page, "/changes/"), reverse=True)
    assert listed == [f"/changes/{v}" for v, _ in releases]
    text = visible(page)
    for version, _ in releases:
        counts = dict(query(site.db, "select change, count(distinct table_name || record_id) from history "
                                     "where release = ? group by change", (version,)))
        for change, n in counts.items():
            assert re.search(rf"\b{n}\b", text.split(version, 1)[1][:300]), (version, change, n)


@route(r"^/changes\.atom$")
def changes_feed(site: Site) -> None:
    feed = feedparser.parse(site.page("/changes.atom"))
    title = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))["title"]
    assert not feed.bozo and feed.feed.title == f"{title}: changes"
    assert [e.title for e in feed.entries] == [f"Release {v}" for v, _ in site.releases()]
    for entry, (version, _) in zip(feed.entries, site.releases()):
        counts = dict(query(site.db, "select change, count(distinct table_name || record_id) from history "
                                     "where release = ? group by change", (version,)))
        assert entry.summary == (f"{counts.get('added', 0)} added, {counts.get('changed', 0)} changed, "
                                 f"{counts.get('removed', 0)} removed")


@route(r"^/changes/(?P<release>[0-9A-Za-z.+-]+)$")
def release_pages(site: Site) -> None:
    if site.kind == "plain":
        assert "2026.1" in site.text("/changes/2026.1", 404)  # a build has no releases
        return
    page = site.page("/changes/2026.2")
    text = visible(page)
    assert f"/evidence/findings/{CHANGED}" in links(page, "/evidence/findings/")
    assert f"{DRAFT} → cancer patients" in text
    first = site.page("/changes/2026.1")
    added = links(first, "/evidence/findings/")
    assert added == {f"/evidence/findings/{i}" for i in curated()["findings"]}
    site.get("/changes/2099.1", 404)


@route(r"^/forest/(?P<id>[a-z0-9][a-z0-9_-]*)\.svg$")
def forest_plots(site: Site) -> None:
    """The curated data gives no study-level results (no finding has ``studies:``): a plot is a 404 that
    says why, for every finding. tests/test_synthesis_build.py draws one from study rows."""
    findings = curated()["findings"]
    assert not any(f.get("studies") for f in findings.values())
    for finding in sorted(findings)[:5]:
        assert f"{finding} has no study-level results" in site.text(f"/forest/{finding}.svg", 404)


@route(r"^/-/terms\.css$")
def terms_css(site: Site) -> None:
    css = site.page("/-/terms.css")
    scales = yaml.safe_load((ROOT / "evidence" / "scales.yaml").read_text(encoding="utf-8"))
    for term, attributes in scales["certainty"].items():
        assert re.search(rf"\.certainty-{term}\s*\{{[^}}]*color:\s*{attributes['colour']}", css), term
        assert re.search(rf"\.best-{term}\s*\{{[^}}]*background:\s*{attributes['background']}", css), term


@route(r"^/download/(?P<table>[a-z_]+)\.(?P<extension>[a-z0-9]+)(?P<metadata>-metadata\.json)?$")
def downloads(site: Site) -> None:
    """Every download link /data shows, followed as the page writes it."""
    findings = curated()["findings"]
    page = site.page("/data")
    for path in sorted(links(page, "/download/")):
        table, extension = path.rsplit("/", 1)[1].split(".")
        response = site.client(path)  # a link, as the page gives it (no lang added)
        assert response.status_code == 200, path
        body = response.content
        ids = sorted(curated()[table] if table != "sources" else [s["id"] for s in curated()["sources"]])
        version = site.releases()[0][0] if site.kind == "release" else None
        if extension == "csv":
            assert sorted(r["id"] for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))) == ids, path
        elif extension == "json":
            document = json.loads(body)
            assert sorted(r["id"] for r in document["rows"]) == ids and document["provenance"]["release"] == version
        elif extension in ("bib", "ris"):
            head = body.decode("utf-8")[:300]
            assert (f"release {version}" in head) if version else ("not a release" in head), path
        elif extension == "sof":
            assert all(html.escape(f["statement"], quote=False) in body.decode("utf-8") for f in findings.values()
                       if f["condition"] == "traumatic_brain_injury"), path
        else:
            assert len(body) > 100, path
    csvw = json.loads(site.client("/download/findings.csv-metadata.json").content)
    assert csvw["url"].startswith("findings.csv")


# --- the tests -----------------------------------------------------------------------------------------


def test_every_route_has_a_content_check():
    """A route registered without a check here fails (and a check of a route that is gone)."""
    assert sorted(CHECKS) == sorted(site_routes())


@pytest.mark.parametrize("pattern", site_routes())
def test_route_shows_the_data(site, pattern):
    CHECKS[pattern](site)


@pytest.mark.parametrize("table", sorted(DATA_PAGE_TABLES))
def test_table_and_row_pages_show_the_data(site, table):
    """Datasette's table page (its count, in the page's number format) and a row page of each table /data lists."""
    (count,) = query(site.db, f"select count(*) from [{table}]")[0]
    text = site.text(f"/evidence/{table}")
    heading = text.split(" id ")[0]  # the page's title, description and count, before the columns
    assert re.search(rf"(?<![\d.,]){re.escape(number(count, site.lang))} [^\W\d]+", heading), (table, count, heading)
    rows = query(site.db, f"select * from [{table}] order by rowid limit 1")
    if not rows:
        return
    keys = [r[1] for r in query(site.db, f"select * from pragma_table_info('{table}') where pk > 0 order by pk")]
    columns = [r[1] for r in query(site.db, f"select * from pragma_table_info('{table}')")]
    row = dict(zip(columns, rows[0]))
    path = f"/evidence/{table}/" + ",".join(str(row[k]) for k in keys) if keys else None
    if path:
        shown = site.text(path)
        texts = [v for v in row.values() if isinstance(v, str) and 3 < len(v) < 200 and not v.startswith(("{", "["))]
        assert any(v in shown for v in texts), (path, texts[:3])
