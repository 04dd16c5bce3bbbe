"""The site's one search, at /search?q=…: findings first, then the guideline's recommendations and
considerations, economic evaluations and sources, each result a short card that links to its page,
with the matched words highlighted (FTS5 highlight() and snippet()).

Words are matched in English and Dutch (the Dutch quotes and the terms' Dutch names are indexed, see
evidence/search_indexes.py), with or without diacritics; ``rehab*`` finds every word that begins with
rehab; "quoted words" are found side by side. Datasette-search-all's address /-/search leads here.
A group with more than RANKED matches shows the best ranked among its first RANKED (and says so):
ranking reads every match, and a common word matches most of a million findings.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from ..languages import SOURCE, name_columns
from ..search_indexes import BY_TABLE
from . import bound, database_name, site_database
from .i18n import current

OPEN, CLOSE, MORE = "\x02", "\x03", "…"
MAX_QUERY = 500  # characters
PER_GROUP = 20
RANKED = 2000  # a group with more matches shows the best ranked of its first RANKED (ranking reads every one);
# metadata.yml's plugins: evidence: search_ranked overrides it


def fts_query(text: str) -> str:
    """The visitor's words as an FTS5 query: every word must match; "a phrase" matches side by side;
    word* matches every word that begins with it. FTS5 operators and punctuation are taken literally."""
    parts = []
    for token in re.findall(r'"[^"]*"?|[^\s"]+', text[:MAX_QUERY]):
        if token.startswith('"'):
            phrase = token.strip('"').strip()
            if phrase:
                parts.append('"' + phrase.replace('"', "") + '"')
            continue
        prefix = token.endswith("*")
        word = token.rstrip("*").replace('"', "")
        if word.strip("*"):
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(parts)


def marked(text: object) -> Markup:
    """Text from highlight()/snippet() with its matches in <mark>, everything else escaped."""
    if not text:
        return Markup("")
    return Markup(str(escape(str(text))).replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))


@dataclass(frozen=True)
class Group:
    table: str
    title: str  # heading, translated in the template
    select: str  # the record's own columns, from the base table aliased r
    noun: str  # one result, for counting ("finding")

    @property
    def fts(self) -> str:
        return BY_TABLE[self.table].fts

    @property
    def columns(self) -> tuple[str, ...]:
        """The index's columns, in order (evidence/search_indexes.py); the last one is the terms' names."""
        return BY_TABLE[self.table].indexed


GROUPS = (  # in the order the page shows them; each index's columns are declared in evidence/search_indexes.py
    Group("findings", "Findings", "r.id, r.certainty, r.condition, r.outcome, r.source_id, r.timepoint, r.source_status, r.same_result_as, "
          "r.quote_language",
          "finding"),
    Group("recommendations", "Guideline recommendations", "r.id, r.question_id, r.audience, r.text, r.text_en, r.evidence_basis",
          "guideline recommendation"),
    Group("considerations", "Guideline considerations", "r.id, r.question_id, r.criterion, r.quote, r.summary_en",
          "guideline consideration"),
    Group("economic_evaluations", "Economic evaluations", "r.id, r.conclusion, r.condition, r.source_id",
          "economic evaluation"),
    Group("sources", "Sources", "r.id, r.label, r.design, r.status, r.year", "source"),
)


SORTS = ("certainty", "relevance")  # ?sort=: findings most certain first (the default), or best match first


def group_sql(group: Group, bounded: bool = False, sort: str = "certainty") -> str:
    marks = f"'{OPEN}', '{CLOSE}'"
    highlights = ", ".join(f"highlight({group.fts}, {i}, {marks}) as hl_{name}"
                           for i, name in enumerate(group.columns[:-1]))
    snippets = ", ".join(f"snippet({group.fts}, {i}, {marks}, '{MORE}', 20) as sn_{name}"
                         for i, name in enumerate(group.columns[:-1]))
    return (f"select {group.select}, {highlights}, {snippets} "
            f"from {group.fts} join {group.table} r on r.rowid = {group.fts}.rowid "
            f"where {group.fts} match :q {f'and {group.fts}.rowid <= :last ' if bounded else ''}"
            f"order by {'r.certainty_rank desc nulls last, ' if sort == 'certainty' and group.table == 'findings' else ''}"
            f"{group.fts}.rank limit {PER_GROUP}")


def card(group: Group, row: dict) -> dict:
    """What a result shows: a title (the statement, recommendation or label, highlighted) and, when the
    match is elsewhere, a snippet of the text that matched."""
    columns = group.columns[:-1]
    title_column = columns[0]
    if group.table == "recommendations" and current() == "en" and row.get("text_en"):
        title_column = "text_en"
    if group.table == "considerations" and current() == "en" and row.get("summary_en"):
        title_column = "summary_en"
    if group.table == "findings" and current() != SOURCE and row.get("quote_language") == current():
        title_column = "quote"  # in Dutch, a finding read in a Dutch passage shows that passage first
    title = row[f"hl_{title_column}"] or row.get(title_column) or ""
    snippet = None
    if OPEN not in str(title):
        for name in columns:
            if name != title_column and OPEN in str(row[f"sn_{name}"] or ""):
                snippet = (name, row[f"sn_{name}"])
                break
    title_lang = row.get("quote_language") if title_column == "quote" else ("nl" if title_column in ("text", "module") else "en")
    return {**row, "title": marked(title if len(str(title)) <= 400 else row[f"sn_{title_column}"]), "title_lang": title_lang,
            "snippet": marked(snippet[1]) if snippet else None, "snippet_column": snippet[0] if snippet else None}


SUGGESTED_KINDS = ("condition", "intervention_type", "outcome")  # whose names and synonyms an empty search suggests


def folded(text: object) -> str:
    """Lower case without diacritics (as the index's tokenizer folds them): "Patiënt" -> "patient"."""
    return "".join(c for c in unicodedata.normalize("NFKD", str(text or "").lower()) if not unicodedata.combining(c))


def words_of(text: object) -> list[str]:
    """The words of a text, folded; a hyphenated word stays one ("niet-aangeboren")."""
    return re.findall(r"\w+(?:-\w+)*", folded(text))


def variants(word: str) -> set[str]:
    """A word, without its hyphens, and its parts of five letters or more (niet-aangeboren: aangeboren)."""
    return {word, word.replace("-", "")} | {part for part in word.split("-") if len(part) >= 5}


def close(word: str, other: str) -> bool:
    """Whether a typed word is a term's word, begins it (4 letters or more), or is spelt like it."""
    if word == other or (len(word) >= 4 and other.startswith(word)):
        return True
    return len(word) >= 5 and difflib.SequenceMatcher(None, word, other).ratio() >= 0.85


async def suggestions(db, text: str) -> dict:
    """What to try when nothing was found: the terms (conditions first) whose names or synonyms hold a word
    like one of the visitor's, close spellings of the words from those names, and each word on its own."""
    words = [w for w in words_of(text) if len(w) >= 3]
    terms, dictionary = [], set()
    kinds = ", ".join(f"'{k}'" for k in SUGGESTED_KINDS)
    for row in (await db.execute(f"select kind, id, {', '.join(name_columns())}, synonyms from vocabulary where kind in ({kinds})")).rows:
        own = set().union(*map(variants, words_of(" ".join(str(row[c] or "") for c in (*name_columns(), "synonyms")))))
        dictionary |= own
        if any(close(v, o) for w in words for v in variants(w) if len(v) >= 4 for o in own):
            terms.append((SUGGESTED_KINDS.index(row["kind"]), row["kind"], row["id"]))
    spellings = []
    for word in words:
        if word not in dictionary:
            for other in difflib.get_close_matches(word, sorted(dictionary), n=2, cutoff=0.8):
                spellings.append(re.sub(re.escape(word), other, folded(text), count=1))
    alone = []
    if len(words) > 1:
        for word in words:
            found = sum([(await db.execute(f"select count(*) from {index.fts} where {index.fts} match :q",
                                           {"q": fts_query(word)})).first()[0] for index in BY_TABLE.values()])
            if found:
                alone.append((word, found))
    return {"terms": [(kind, id) for _, kind, id in sorted(terms)][:8], "spellings": spellings[:4], "alone": alone}


async def search(datasette, request):
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    query = fts_query(text)
    db = site_database(datasette)
    name = database_name(datasette)
    results = []
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else SORTS[0]
    ranked = bound(datasette, "search_ranked", RANKED)
    if query:
        for group in GROUPS:
            if not await db.table_exists(group.fts):
                continue
            total = (await db.execute(f"select count(*) from {group.fts} where {group.fts} match :q", {"q": query})).first()[0]
            if not total:
                continue
            params = {"q": query}
            if total > ranked:  # the rowid of the last match ranked: matches come in rowid order
                params["last"] = (await db.execute(f"select rowid from {group.fts} where {group.fts} match :q "
                                                   f"order by rowid limit 1 offset {ranked - 1}", params)).first()[0]
            rows = [card(group, dict(r)) for r in (await db.execute(group_sql(group, "last" in params, sort), params)).rows]
            more = datasette.urls.table(name, group.table) + "?" + urlencode({"_search": query, "_searchmode": "raw"})
            results.append({"group": group, "total": total, "rows": rows, "more": more,
                            "ranked": ranked if total > ranked else None})
    if request.url_vars.get("format") == "json":
        return Response.json({"q": text, "query": query, "suggestions": await suggestions(db, text) if query and not results else None, "results": [
            {"table": r["group"].table, "total": r["total"],
             "ids": [row["id"] for row in r["rows"]]} for r in results]})
    context = {"q": text, "search_query": text, "results": results, "database": name, "sort": sort,
               "total": sum(r["total"] for r in results),
               "suggestions": await suggestions(db, text) if query and not results else None}
    return Response.html(await datasette.render_template("search.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/search(\.(?P<format>json))?$", search)]


@hookimpl
def prepare_jinja2_environment(env):
    env.globals["marked_title"] = marked
