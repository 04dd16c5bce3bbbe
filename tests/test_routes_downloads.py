"""Every download the site offers is the command line's file (issue 23, item 3): for each table and format
of the export registry that the site offers (read from the registry, so a new format is held here at once),
``/download/<table>.<extension>`` gives the bytes `evidence export` writes for the same filter.
tests/test_export_site.py draws filters as a property over a fixed list of pairs; this covers every pair."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from evidence import exports
from evidence.cli import cli
from tests.conftest import query

PAIRS = [(table, fmt) for fmt in exports.formats() for table in fmt.site_tables]


def cli_bytes(db, table: str, fmt: exports.Format, args: list[str], out) -> bytes:
    what = table if fmt.export == "table" else fmt.export
    result = CliRunner().invoke(cli, ["export", what, "--db", str(db), "--format", fmt.name, "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_every_site_format_is_offered_somewhere():
    assert {(f.export, f.name) for _, f in PAIRS} == {(f.export, f.name) for f in exports.formats() if f.site_tables}
    assert {t for t, _ in PAIRS} == {"findings", "sources", "economic_evaluations"}


@pytest.mark.parametrize("table, fmt", PAIRS, ids=[f"{t}.{f.site_extension}" for t, f in PAIRS])
def test_a_download_is_the_command_lines_file(real_db, site, tmp_path, table, fmt):
    # the condition with the most records of the table (a source covers the conditions of its findings)
    counted = "findings" if table == "sources" else table
    [(condition,)] = query(real_db, f"select condition from [{counted}] group by condition order by count(*) desc, "
                                    "condition limit 1")
    for query_string, args in (("", []), (f"?condition={condition}&once=1", [f"--condition={condition}", "--once"])):
        response = site(f"/download/{table}.{fmt.site_extension}{query_string}")
        assert response.status_code == 200, (query_string, response.text[:200])
        assert response.content == cli_bytes(real_db, table, fmt, args, tmp_path / f"cli.{fmt.suffix}"), query_string
        assert response.headers["content-type"] == fmt.media_type
