"""The README names what the code offers, read from the code itself (in the manner of sqlite-utils'
documentation tests): every command, export format, site route and vocabulary file. A new one fails
here until the README names it (one line is enough). And every file path a comment, a template, a
stub or the README names exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from evidence import exports
from evidence.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def site_routes() -> list[str]:
    """The URL patterns this package's plugins register (Datasette's register_routes hook)."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    datasette = Datasette([])
    return [pattern for impl in pm.hook.register_routes.get_hookimpls() if impl.function.__module__.startswith("evidence")
            for pattern, _ in impl.function(*[{"datasette": datasette}[a] for a in impl.argnames])]


def as_written(pattern: str) -> str:
    """A route's regular expression as the README writes it: ``^/condition/(?P<id>…)$`` is
    ``/condition/<id>`` (any name in the brackets), an optional suffix left out, escapes undone."""
    text = re.sub(r"\(\\\.\(\?P<\w+>[^)]*\)\)\?", "", pattern.strip("^$"))  # (\.(?P<format>json))?
    text = re.sub(r"\(\?P<\w+>[^()]*\)\?", "", text)  # an optional named part: (?P<metadata>-metadata\.json)?
    text = re.sub(r"\(\?P<\w+>(?:[^()]|\([^()]*\))*\)", "\0", text).replace("\\", "")
    return re.escape(text).replace("\0", "<[^>`]+>")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command):
    assert re.search(rf"evidence {re.escape(command)}\b", README), f"README: name `evidence {command}`"


@pytest.mark.parametrize("fmt", exports.formats(), ids=lambda f: f"{f.export}-{f.name}")
def test_every_export_format_is_in_the_readme(fmt):
    """A line that runs the export (for tables: any table) names the format."""
    export = r"[a-z_]+" if fmt.export == "table" else re.escape(fmt.export)
    lines = [line for line in README.splitlines() if re.search(rf"evidence export {export}\b", line)]
    assert any(re.search(rf"\b{re.escape(fmt.name)}\b", line) for line in lines), \
        f"README: a line with `evidence export {fmt.export}` naming the format {fmt.name}"


@pytest.mark.parametrize("pattern", site_routes())
def test_every_site_route_is_in_the_readme(pattern):
    assert re.search(rf"`{as_written(pattern)}`", README), f"README: name the route {pattern} in backticks"


def test_the_route_patterns_read_as_written():
    assert re.fullmatch(as_written(r"^/condition/(?P<id>[a-z0-9_]+)$"), "/condition/<id>")
    assert re.fullmatch(as_written(r"^/gap-map(\.(?P<format>json))?$"), "/gap-map")
    assert re.fullmatch(as_written(r"^/forest/(?P<id>[a-z0-9][a-z0-9_-]*)\.svg$"), "/forest/<finding>.svg")
    assert not re.fullmatch(as_written(r"^/changes$"), "/changes.atom")


@pytest.mark.parametrize("path", [*sorted((ROOT / "data" / "vocabulary").glob("*.yaml")), ROOT / "evidence" / "scales.yaml"],
                         ids=lambda p: p.name)
def test_every_vocabulary_file_is_in_the_readme(path):
    assert path.relative_to(ROOT).as_posix() in README, f"README: name {path.relative_to(ROOT).as_posix()}"


# --- every path named exists ---------------------------------------------------------------------------

PATH = re.compile(r"(?<![\w./-])((?:\.\./shared|evidence|data|bench|tests|\.ci)/[\w./-]*[\w/])")
PLACEHOLDER = re.compile(r"[<*{$]$|/[A-Z]+\.\w+$")  # data/<id>.yaml, data/*.yaml, evidence/sql/NAME.sql
WRITTEN = {"tests/artifacts/": "the browser test writes its screenshots there",
           "data/new-review.yaml": "bench/incremental_bench.py writes it into the corpus it generates"}
# Where paths are named for a reader: the package (comments, docstrings, SQL, templates, stubs), the
# benchmarks, the README and the project's configuration. Tests name throwaway files of their own.
NAMING = [p for p in subprocess.run(["git", "ls-files", "evidence", "bench", "README.md", "Makefile", "metadata.yml",
                                     "pyproject.toml", ".ci"], cwd=ROOT, capture_output=True, text=True).stdout.split()
          if Path(p).suffix in {".py", ".sql", ".html", ".md", ".yaml", ".yml", ".toml", ".css", ".js", ""}]


def named_paths(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in PATH.finditer(line):
            path = match.group(1).rstrip(".")
            if not PLACEHOLDER.search(line[match.start():match.end() + 1]) and not PLACEHOLDER.search(path):
                found.append((number, path))
    return found


def test_every_path_named_in_a_comment_template_or_stub_exists():
    missing = [f"{name}:{number}: {path}" for name in NAMING
               for number, path in named_paths((ROOT / name).read_text(encoding="utf-8", errors="replace"))
               if path not in WRITTEN and not (ROOT / path).exists()]
    assert missing == []


def test_every_named_query_a_query_names_exists():
    """evidence/sql/*.sql name the other queries by file name alone (``condition_findings.sql``)."""
    sql = ROOT / "evidence" / "sql"
    missing = [f"{path.name}: {name}" for path in sorted(sql.glob("*.sql"))
               for name in re.findall(r"(?<![\w/])(\w+\.sql)\b", path.read_text(encoding="utf-8"))
               if not (sql / name).exists()]
    assert missing == []


def test_the_path_check_sees_a_missing_file():
    assert named_paths("see evidence/vocabulary.yaml and data/<id>.yaml") == [(1, "evidence/vocabulary.yaml")]
    assert not (ROOT / "evidence/vocabulary.yaml").exists()
