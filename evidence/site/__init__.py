"""The Datasette site: templates/ and static/ for the evidence database, and its small plugins.

This package is registered as a Datasette plugin (see pyproject.toml) so that Datasette serves its
templates and static files; each module beside it is a plugin of its own, named for what it does.

The site does not depend on the database file's name: every module finds the database with
``site_database(datasette)`` (the first one served) and builds its URLs from that database's name.
metadata.yml configures it under ``databases: evidence:``; ``get_metadata`` below hands that
configuration to whatever name the served file has.
"""

from pathlib import Path

DATABASE = "evidence"  # the name metadata.yml configures the database under (not the served name)

from datasette import hookimpl  # noqa: E402  (after the constant the plugin modules import)

PLUGIN_NAME = "evidence"  # the distribution name in pyproject.toml: Datasette serves static/ under it
# metadata.yml as packaged (a link to the repository's file), for `evidence serve` outside the repository
PACKAGED_METADATA = Path(__file__).with_name("metadata.yml")


def site_database(datasette):
    """The evidence database: the first database served that is not Datasette's own."""
    return datasette.get_database()


async def named_rows(datasette, name: str, params: dict | None = None) -> list[dict]:
    """The rows of a named query (evidence/sql/NAME.sql) on the site's database, as dicts."""
    from ..read import sql

    return [dict(r) for r in (await site_database(datasette).execute(sql(name), params or {})).rows]


def bound(datasette, name: str, default: int) -> int:
    """A bound on what one page lists or counts, from metadata.yml's ``plugins: evidence:`` (``default``
    where it sets none): search_max_matches, search_ranked, condition_findings_per_comparison."""
    return int((datasette.plugin_config(PLUGIN_NAME) or {}).get(name, default))


def database_name(datasette) -> str:
    """The name of ``site_database(datasette)``, found without a lookup: every cell of every page asks."""
    for name in datasette.databases:
        if name != "_internal":
            return name
    raise IndexError("no database served")


def is_site_database(datasette, database: object) -> bool:
    try:
        return database == database_name(datasette)
    except (IndexError, KeyError):
        return False


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "evidence.css")]


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yml's ``databases: evidence:`` for the served database, whatever its file is called."""
    local = getattr(datasette, "_metadata_local", None) or {}
    configured = (local.get("databases") or {}).get(DATABASE)
    try:
        name = database_name(datasette)
    except (IndexError, KeyError):
        return None
    if configured is None or name == DATABASE or name in (local.get("databases") or {}):
        return None
    return {"databases": {name: configured}}
