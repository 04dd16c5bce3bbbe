"""Start-up loads click and no more: every command imports what it uses when it runs (issue 30, item 2;
bench/startup_bench.py measures the time against a bare `python -c pass`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from evidence import build as builder
from evidence.cli import cli
from tests.conftest import query

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_core", "datasette", "pandas", "numpy", "scipy", "yaml", "jinja2",
         "evidence.schema", "evidence.build", "evidence.exports", "evidence.read")


def loaded_by(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running `evidence ARGS` (which exits)."""
    code = ("import sys\nfrom evidence.cli import cli\ntry:\n    cli(%r, prog_name='evidence')\n"
            "except SystemExit:\n    pass\nprint(' '.join(sys.modules))" % (list(args),))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_version_and_help_import_nothing_heavy():
    for args in (["--version"], ["--help"]):
        modules = loaded_by(*args)
        assert "click" in modules
        assert [m for m in HEAVY if m in modules] == [], args


def test_the_lazy_choices_still_refuse_what_is_not_offered():
    result = CliRunner().invoke(cli, ["export", "nope"])
    assert result.exit_code == 2 and "'nope' is not one of" in result.output and "'findings'" in result.output
    result = CliRunner().invoke(cli, ["diff", "a.db", "b.db", "--format", "rst"])
    assert result.exit_code == 2 and "'rst' is not one of 'md', 'text'" in result.output
    result = CliRunner().invoke(cli, ["sof", "--format", "pdf"])
    assert result.exit_code == 2 and "'pdf' is not one of 'md', 'html', 'docx'" in result.output


def test_a_table_export_loads_neither_the_schema_nor_pandas(tmp_path, real_db):
    """`evidence export findings` (CSV) reads the columns from evidence/columns.py: no SQLModel, SQLAlchemy,
    pandas or schema classes, about half a second of each export's start-up (bench/export_bench.py)."""
    out = tmp_path / "findings.csv"
    modules = loaded_by("export", "findings", "--db", str(real_db), "-o", str(out))
    assert out.stat().st_size > 0 and out.with_name("findings.csv-metadata.json").is_file()
    assert "evidence.exports.tables" in modules
    assert [m for m in ("sqlalchemy", "sqlmodel", "evidence.schema", "pandas", "numpy", "pyarrow", "datasette")
            if m in modules] == []


def test_an_incremental_build_loads_neither_the_schema_nor_pydantic(project):
    """`evidence build` after one finding is edited validates it (and the vocabularies) with the fast paths
    and writes it by the columns of evidence/columns.py: no SQLModel, SQLAlchemy, pydantic or schema
    classes, which were most of an incremental build's time at 100k findings (issue 30, item 2;
    bench/incremental_bench.py). A full build creates its tables with SQLAlchemy: not loading it shows the
    build was incremental."""
    builder.build(Path("data"), Path("evidence.db"))
    project.edit("Work support may increase return to work.\n      source_document",
                 "Work support may well increase return to work.\n      source_document")
    modules = loaded_by("build")
    assert "evidence.pipeline.write" in modules and "evidence.fast_records" in modules
    assert query(Path("evidence.db"), "select record_id, field, change from changes") == [
        ("smith-2020-f1", "statement", "changed")]
    assert [m for m in ("sqlalchemy", "sqlmodel", "pydantic", "evidence.schema", "evidence.guideline", "pandas",
                        "numpy") if m in modules] == []
