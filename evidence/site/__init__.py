"""The Datasette site: templates/ and static/ for the evidence database, and its small plugins.

This package is registered as a Datasette plugin (see pyproject.toml) so that Datasette serves its
templates and static files; each module beside it is a plugin of its own, named for what it does.
"""

DATABASE = "evidence"

from datasette import hookimpl  # noqa: E402  (after the constant the plugin modules import)

PLUGIN_NAME = "evidence"  # the distribution name in pyproject.toml: Datasette serves static/ under it


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "evidence.css")]
