"""Every page type of the site, one address each: the Dutch walk (tests/test_site_dutch.py) and the
browser's screenshots at both widths (tests/test_browser.py) visit them all."""

PAGE_TYPES = {
    "front": "/", "condition": "/condition/cancer", "condition-rated": "/condition/traumatic_brain_injury",
    "findings-table": "/evidence/findings", "findings-filtered": "/evidence/findings?condition=cancer",
    "finding-rated": "/evidence/findings/kumar-2017-f3", "finding-absolute": "/evidence/findings/de-boer-2024-f1",
    "finding-unrated": "/evidence/findings/tamminga-2019-f1", "finding-superseded": "/evidence/findings/de-boer-2011-f1",
    "source": "/evidence/sources/de-boer-2011", "sources-table": "/evidence/sources",
    "evaluations-table": "/evidence/economic_evaluations", "evaluation": "/evidence/economic_evaluations/lambeek-2010b-e1",
    "gap-map": "/gap-map", "search": "/search?q=werk", "search-empty": "/search?q=niet-aangeboren+hersenletsel",
    "guideline": "/guideline", "question": "/guideline/q2", "data": "/data", "document": "/documents/published-facts",
    "changes": "/changes", "database": "/evidence", "query": "/evidence/condition_evidence?condition=cancer",
    "finding-dutch-quote": "/evidence/findings/lambeek-2010a-f1", "search-synonym": "/search?q=rugpijn",
    "not-found": "/condition/kanker",
}
