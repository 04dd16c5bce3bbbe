"""A table page's full-text search (``?_search=``) bounded to its first matches when it has very many.

Datasette lists, counts and facets every row a search matches: at a million findings a common word
matches hundreds of thousands, and each of those three passes reads every one of them. A page of
HTML or JSON whose search matches more than ``search_max_matches`` rows (metadata.yml's ``plugins:
evidence:``, MAX_MATCHES without it) lists, counts and facets the first of them (in the order they were
added) and says so, with the number it matches in all (FTS5 counts that from its index alone).
Downloads (CSV, ``?_stream=1``) keep every match. table_pages.py applies ``bound`` to the search
filter Datasette makes.
"""

from __future__ import annotations

import re

from datasette.filters import FilterArguments

from . import bound as configured

MAX_MATCHES = 2000  # unless metadata.yml's plugins: evidence: search_max_matches says otherwise
SEARCH_CLAUSE = re.compile(r"^(\S+ in \(select rowid from (\S+) where \2 match (:search|escape_fts\(:search\)))\)$")
UNBOUNDED_FORMATS = {"csv"}  # whole downloads: every match


def wants_pages(request) -> bool:
    return request.url_vars.get("format") not in UNBOUNDED_FORMATS and not request.args.get("_stream")


async def bound(arguments: FilterArguments, request, datasette, database: str) -> FilterArguments:
    """``arguments`` with Datasette's ?_search= clause limited to its first matches when it matches
    more than search_max_matches, and the page told so (``search_bounded``)."""
    if not wants_pages(request):
        return arguments
    most = configured(datasette, "search_max_matches", MAX_MATCHES)
    for i, clause in enumerate(arguments.where_clauses):
        found = SEARCH_CLAUSE.match(clause)
        if not found:
            continue
        subquery, fts, match = found.groups()
        db = datasette.get_database(database)
        params = {"search": arguments.params["search"]}
        first = f"select rowid from {fts} where {fts} match {match}"
        more = (await db.execute(f"select count(*) from ({first} limit {most + 1})", params)).first()[0]
        if more <= most:
            return arguments
        total = (await db.execute(f"select count(*) from {fts} where {fts} match {match}", params)).first()[0]
        arguments.where_clauses[i] = f"{subquery} order by rowid limit {most})"
        arguments.extra_context["search_bounded"] = {"shown": most, "matches": total}
        arguments.human_descriptions.append(f"the first {most:,} of its {total:,} matches")
        return arguments
    return arguments
