"""Every internal link of the built site leads somewhere: a breadth-first crawl from the front page
through datasette.client finds no 404 and no 500."""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

from tests.conftest import query

LINK = re.compile(r'\b(?:href|src|action)="([^"#]*)(?:#[^"]*)?"')
MAX_PAGES = 3000
VARIANTS_PER_PATH = 2  # variants of one page (facet toggles, sorts, other formats, …) that are followed
PER_TABLE = 130  # pages followed within one table (its rows, filters and formats); the site's own pages: all
FORMAT = re.compile(r"\.(json|csv|xlsx|bib|ris|sof|svg|parquet|docx|fhir)$")


def table_of(path: str) -> str | None:
    """/evidence/findings/kumar-2017-f1.json -> evidence/findings; None for the site's own pages."""
    parts = path.strip("/").split("/")
    own = ("condition", "documents", "guideline", "search", "gap-map", "data", "forest", "-")
    return None if len(parts) < 2 or parts[0] in own else "/".join(parts[:2])


def internal_links(page: str, base: str) -> list[str]:
    links = []
    for raw in LINK.findall(page):
        url = html.unescape(raw)
        if not url or url.startswith(("//", "mailto:", "javascript:")) or re.match(r"^[a-z]+://", url):
            continue
        links.append(urljoin(base, url))
    return links


def test_no_internal_link_is_broken(site, real_db):
    queue, seen, per_path, per_table, broken = deque(["/"]), {"/"}, Counter(), Counter(), []
    pages = {"/"}
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        response = site(url)
        fetched += 1
        if response.status_code in (301, 302):
            targets = [response.headers["location"]]
        elif response.status_code >= 400:
            broken.append((response.status_code, url))
            continue
        elif "text/html" in response.headers.get("content-type", ""):
            targets = internal_links(response.text, url)
        else:
            continue
        for target in targets:
            path = urlsplit(target).path
            page = FORMAT.sub("", path)
            variant = bool(urlsplit(target).query) or page != path
            table = table_of(page)
            if target in seen or (variant and per_path[page] >= VARIANTS_PER_PATH) or (table and per_table[table] >= PER_TABLE):
                continue
            seen.add(target)
            per_path[page] += variant
            per_table[table] += page not in pages  # pages, not addresses: a row's variants do not crowd out rows
            pages.add(page)
            queue.append(target)
    assert broken == []
    assert not queue, f"the crawl stopped with {len(queue)} addresses left: raise MAX_PAGES"
    paths = {urlsplit(u).path for u in seen}
    # the crawl reached every kind of page
    for prefix in ("/condition/", "/documents/", "/guideline/", "/evidence/findings/", "/evidence/sources/",
                   "/evidence/economic_evaluations/", "/gap-map", "/search", "/data"):
        assert any(p.startswith(prefix) for p in paths), prefix
    # every condition, finding, source and guideline module page
    for table, prefix in (("conditions", "/condition/"), ("findings", "/evidence/findings/"),
                          ("sources", "/evidence/sources/"), ("questions", "/guideline/")):
        assert {prefix + i for (i,) in query(real_db, f"select id from {table}")} <= paths, table
