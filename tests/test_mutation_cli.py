"""Faults planted in the command line (evidence/cli.py, choices.py, serve.py, problems.py, scaffold.py) that
their other tests let through (bench/mutation.py, group cli). Every command runs in-process through click's
CliRunner, so that mutation testing sees it: what `evidence export` writes where, its messages and exit
codes, the options each command offers (--help), how `evidence serve` pins the build it serves, and how
`evidence add` appends to references.bib and names its stubs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from evidence import cli as cli_module
from evidence import exports, scaffold, serve
from evidence.choices import Later
from evidence.cli import cli
from evidence.problems import Problem, Report, ValidationFailed, ordered
from tests.conftest import BIB, line_of


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def built(project):
    result = run("build")
    assert result.exit_code == 0, result.output
    return project


def oneline(text: str) -> str:
    return " ".join(text.split())


# --- evidence export ---------------------------------------------------------------------------------


def test_export_writes_csv_to_standard_output_and_no_file(built):
    result = run("export", "findings")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()[:2]
    assert header.startswith("id,source_id,condition,") and row.startswith("smith-2020-f1,smith-2020,cancer,")
    assert result.stderr == "" and sorted(os.listdir(built.root)) == [".evidence.db.lock", "data", "evidence.db"]


def test_export_of_another_table_and_its_options_reach_the_writer(built):
    excel = run("export", "sources", "--excel")
    assert excel.exit_code == 0 and excel.stdout.startswith("\ufeffid,label,citation_key,")
    assert "smith-2020,Smith 2020,smith2020,rct" in excel.stdout
    file = run("export", "sources", "--excel", "-o", "sources.csv")
    assert file.exit_code == 0 and file.stderr == "Wrote 1 row of sources to sources.csv\n"
    assert (built.root / "sources.csv").read_bytes().startswith("\ufeffid,label,".encode())


def test_export_to_a_file_writes_it_and_its_csvw_sidecar(built):
    result = run("export", "findings", "--condition", "cancer", "-o", "out.csv")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "Wrote 1 row of findings to out.csv\n"
    assert (built.root / "out.csv").read_text(encoding="utf-8").splitlines()[1].startswith("smith-2020-f1,")
    sidecar = json.loads((built.root / "out.csv-metadata.json").read_text(encoding="utf-8"))
    assert sidecar["url"] == "out.csv" and sidecar["dc:title"].startswith("findings (")
    assert sidecar["tableSchema"]["columns"][0]["name"] == "id"


def test_export_filters_reach_the_file_and_standard_output(built):
    assert run("export", "findings", "--certainty", "high", "-o", "high.csv").exit_code == 0
    assert (built.root / "high.csv").read_text(encoding="utf-8").count("\n") == 1  # the header only
    assert "smith-2020-f1" not in run("export", "findings", "--certainty", "high").stdout


def test_export_dash_means_standard_output(built):
    result = run("export", "findings", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("id,source_id,")
    assert not (built.root / "-").exists() and result.stderr == ""


def test_a_binary_format_needs_a_file(built):
    result = run("export", "findings", "--format", "xlsx")
    assert result.exit_code == 2 and "Error: xlsx is a binary format: give a file with -o\n" in result.stderr
    written = run("export", "findings", "--format", "xlsx", "-o", "f.xlsx")
    assert written.exit_code == 0 and (built.root / "f.xlsx").read_bytes()[:2] == b"PK"
    assert not (built.root / "f.xlsx-metadata.json").exists()  # only CSV has a sidecar


def test_an_unknown_format_names_the_option_and_the_formats(built):
    result = run("export", "findings", "--format", "nope")
    assert result.exit_code == 2
    assert ("Error: Invalid value for --format: unknown format 'nope' for a table; formats: csv, json, json-array, "
            "xlsx, parquet\n") in result.stderr


def test_an_unknown_filter_value_is_refused_before_writing(built):
    result = run("export", "findings", "--condition", "nosuch", "-o", "out.csv")
    assert result.exit_code == 1 and "Error: --condition 'nosuch' is not a known condition" in result.stderr
    assert not (built.root / "out.csv").exists()


def test_export_refuses_the_database_and_the_data_folder(built):
    before = (built.root / "evidence.db").read_bytes()
    result = run("export", "findings", "-o", "evidence.db")
    assert result.exit_code == 1 and result.stderr == ("Error: evidence.db: refusing to write the findings export "
                                                       "there: it is the file being read; give -o another file\n")
    assert (built.root / "evidence.db").read_bytes() == before
    bib = run("export", "bib", "-o", "data/studies.yaml")
    assert bib.exit_code == 1 and bib.stderr == ("Error: data/studies.yaml: refusing to write the bib export there: "
                                                 "it is inside the data folder data; give -o another file\n")


def test_a_bib_export_never_overwrites_a_file_of_another_kind(built):
    (built.root / "notes.bib").write_text("not bibtex: a letter\n", encoding="utf-8")
    (built.root / "old.bib").write_text(BIB, encoding="utf-8")
    assert run("export", "bib", "-o", "old.bib").exit_code == 0  # a BibTeX file is replaced by BibTeX
    refused = run("export", "findings", "-o", "old.bib")
    assert refused.exit_code == 1 and "refusing to overwrite it with the findings export" in refused.stderr


def test_sof_writes_markdown(built):
    result = run("sof", "-o", "sof.md")
    assert result.exit_code == 0 and (built.root / "sof.md").read_text(encoding="utf-8").startswith("#")
    refused = run("sof", "-o", "data/sof.md")
    assert refused.exit_code == 1 and refused.stderr == ("Error: data/sof.md: refusing to write the sof export there: it "
                                                         "is inside the data folder data; give -o another file\n")


def test_export_help_lists_the_exports_and_their_formats(monkeypatch):
    monkeypatch.setattr(cli.commands["export"].params[0], "metavar", None)  # written when help is asked for
    result = CliRunner().invoke(cli, ["export", "--help"], prog_name="evidence")
    assert result.exit_code == 0
    names = exports.exports()
    assert f"Usage: evidence export [OPTIONS] TABLE|{'|'.join(names)}\n" in result.output
    lines = result.output.splitlines()
    assert "  Formats (--format; the first of each is the default):" in lines
    table = ", ".join(f.name for f in exports.formats_of("table"))
    assert f"    TABLE: {table}" in lines and table.startswith("csv, ")
    for name in names:
        assert f"    {name}: {', '.join(f.name for f in exports.formats_of(name))}" in lines


# --- messages and exit codes of every command (cli.Group) --------------------------------------------


def test_an_os_error_is_its_file_and_reason(project):
    result = run("metadata", "--metadata", "no/such/m.yml")
    assert result.exit_code == 1 and result.stderr == "Error: no/such/m.yml: No such file or directory\n"


def test_a_sqlite_error_is_a_message(project):
    result = run("diff", "data/references.bib", "data/references.bib")
    assert result.exit_code == 1 and result.stderr == "Error: SQLite: file is not a database\n"


def test_validate_shows_justified_warnings_and_build_does_not(project):
    text = project.edit("statement: Work support may increase return to work.",
                        "statement: Work support increases return to work.\n"
                        "      wording_justification: as the authors put it")
    line = line_of(text, "statement: Work support increases")
    validate = run("validate")
    assert validate.exit_code == 0
    assert (f"data/studies.yaml:{line}: smith-2020-f1.statement: warning: the wording does not fit certainty 'low': "
            "GRADE expects 'may', without 'probably'/'likely' [justified: as the authors put it]\n") in validate.stderr
    build = run("build")
    assert build.exit_code == 0 and "justified" not in build.output


def test_build_logs_its_progress_on_standard_error(project):
    result = run("build")
    assert result.exit_code == 0
    assert "Read 1 YAML file(s) in " in result.stderr and "Wrote evidence.db in " in result.stderr
    assert result.stdout == ("Built evidence.db: 0 error(s), 0 warning(s); a first build (no previous one to "
                             "compare with)\n")


def test_inputs_as_old_as_the_database_are_not_stale(built):
    db = built.root / "evidence.db"
    when = db.stat().st_mtime
    for path in [*built.data.rglob("*.yaml"), built.data / "references.bib"]:
        os.utime(path, (when, when))
    assert not cli_module.is_stale(db, Path("data"), None)


def test_main_is_the_evidence_command(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["something-else", "--help"])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("Usage: evidence [OPTIONS] COMMAND [ARGS]...")


# --- the options the commands share (as --help shows them and as they parse) ---------------------------


def command_with(*decorators):
    """A command with the shared options, as each evidence command gets them; it prints what it parsed."""

    def show(**params):
        click.echo(json.dumps({k: f"Path:{v}" if isinstance(v, Path) else v for k, v in params.items()}, sort_keys=True))

    for decorator in reversed(decorators):
        show = decorator(show)
    return click.command(context_settings={"max_content_width": 400, "terminal_width": 400})(show)


def test_data_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    command = command_with(cli_module.data_options)
    helped = CliRunner().invoke(command, ["--help"])
    assert ("--data PATH A YAML file, or a folder whose *.yaml files are all loaded (recursively). [default: data] "
            "--bib FILE BibTeX file. Default: references.bib in the data folder, or beside the data file.") \
        in oneline(helped.output)
    assert json.loads(CliRunner().invoke(command, []).output) == {"data": "Path:data", "bib": None}
    assert json.loads(CliRunner().invoke(command, ["--data", "d", "--bib", "r.bib"]).output) == {"data": "Path:d",
                                                                                                 "bib": "Path:r.bib"}
    (tmp_path / "folder").mkdir()
    refused = CliRunner().invoke(command, ["--bib", "folder"])
    assert refused.exit_code == 2 and "Invalid value for '--bib': File 'folder' is a directory." in refused.output


def test_filter_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    command = command_with(cli_module.filter_options, cli_module.output_option)
    helped = oneline(CliRunner().invoke(command, ["--help"]).output)
    expected = [
        "--once / --with-repeats Leave out findings that repeat another finding's result (same_result_as), as counts "
        "and pooling need. Default: once for sof, every row for tables and bibliographies.",
        "--condition ID Condition id, e.g. traumatic_brain_injury. Repeat for several.",
        "--certainty ID GRADE certainty: high, moderate, low, very_low. Repeat for several.",
        "--intervention-type ID Intervention type id, e.g. cognitive_rehabilitation. Repeat for several.",
        "--outcome ID Outcome id, e.g. return_to_work. Repeat for several.",
        "--source ID Source id, e.g. kumar-2017. Repeat for several.",
        "-o, --output FILE File to write. Default: standard output (text formats only).",
    ]
    assert " ".join(expected) in helped
    none = {"once": None, "condition": [], "certainty": [], "intervention_type": [], "outcome": [], "source": [],
            "output": None}
    assert json.loads(CliRunner().invoke(command, []).output) == none
    parsed = CliRunner().invoke(command, ["--condition", "a", "--condition", "b", "--certainty", "low",
                                          "--intervention-type", "t", "--outcome", "o", "--source", "s", "--once",
                                          "-o", "x.csv"])
    assert json.loads(parsed.output) == {"once": True, "condition": ["a", "b"], "certainty": ["low"],
                                         "intervention_type": ["t"], "outcome": ["o"], "source": ["s"], "output": "Path:x.csv"}
    assert json.loads(CliRunner().invoke(command, ["--with-repeats", "--output", "y"]).output)["once"] is False
    (tmp_path / "folder").mkdir()
    refused = CliRunner().invoke(command, ["-o", "folder"])
    assert refused.exit_code == 2 and "Invalid value for '-o' / '--output': File 'folder' is a directory." in refused.output


def test_collect_keeps_given_filters_and_an_explicit_with_repeats():
    assert cli_module.collect(condition=("a",), certainty=(), once=None, source=()) == {"condition": ("a",)}
    assert cli_module.collect(condition=(), once=False) == {"once": False}
    assert cli_module.collect(condition=(), once=True) == {"once": True}
    assert cli_module.collect(outcome=(), source=False) == {}


def test_a_later_choice_is_read_when_needed_and_case_sensitive():
    asked = []

    def values():
        asked.append(1)
        return ["csv", "md"]

    @click.command()
    @click.option("--format", "fmt", type=Later(values), default="md")
    def command(fmt):
        click.echo(fmt)

    assert asked == []
    assert CliRunner().invoke(command, ["--format", "csv"]).output == "csv\n"
    refused = CliRunner().invoke(command, ["--format", "CSV"])
    assert refused.exit_code == 2 and "'CSV' is not one of 'csv', 'md'" in refused.output


def test_the_plot_commands_check_their_output_before_plotting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    @click.command()
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("-o", "--output", type=click.Path(path_type=Path))
    def plot(file, output):
        output.write_text("plot", encoding="utf-8")

    checked = cli_module.checks_its_output(plot, "file")
    (tmp_path / "studies.csv").write_text("a,b\n", encoding="utf-8")
    refused = CliRunner().invoke(checked, ["studies.csv", "-o", "studies.csv"])
    assert str(refused.exception).startswith("studies.csv: refusing to write the forest plot there")
    assert (tmp_path / "studies.csv").read_text(encoding="utf-8") == "a,b\n"
    assert CliRunner().invoke(checked, ["studies.csv", "-o", "plot.svg"]).exit_code == 0
    assert (tmp_path / "plot.svg").read_text(encoding="utf-8") == "plot"


# --- problems as reported ------------------------------------------------------------------------------


def test_a_problem_reads_file_line_field_kind_message_and_justification():
    assert str(Problem("a.yaml", "m")) == "a.yaml:1: m"
    assert str(Problem("a.yaml", "m", field="f", line=7, warning=True)) == "a.yaml:7: f: warning: m"
    assert str(Problem("a.yaml", "m", warning=True, justified="why")) == "a.yaml:1: warning: m [justified: why]"
    assert ordered([Problem("b", "x", line=2), Problem("a", "y", line=3), Problem("b", "w", field="a", line=1),
                    Problem("b", "z", field="b")]) \
        == [Problem("a", "y", line=3), Problem("b", "z", field="b"), Problem("b", "w", field="a", line=1),
            Problem("b", "x", line=2)]  # no line: before line 1


def test_justified_warnings_never_fail_and_a_failure_says_its_summary():
    report = Report([Problem("a", "w", warning=True, justified="ok")])
    assert not report.fails(strict=True) and not report.fails()
    report.add(Problem("a", "w2", warning=True))
    assert report.fails(strict=True) and not report.fails()
    assert str(ValidationFailed(report)) == "0 error(s), 1 warning(s)"


# --- evidence serve and publish ------------------------------------------------------------------------


@pytest.fixture
def sigterm_default():
    before = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, before)


@pytest.fixture
def at_exit(monkeypatch):
    """What pin leaves for the end of the process, run by the test instead."""
    handlers = []
    monkeypatch.setattr(serve.atexit, "register", lambda fn, *args: handlers.append((fn, args)))
    monkeypatch.delenv(serve.SERVED_FROM, raising=False)
    return handlers


def test_pin_serves_the_build_it_started_with_until_the_server_stops(built, at_exit, sigterm_default):
    db = built.root / "evidence.db"
    link = serve.pin(Path("evidence.db"))
    folder = built.root / f"{serve.PINS}{os.getpid()}"
    assert link == folder / "evidence.db" and os.path.samefile(link, db)
    st = os.stat(db)
    assert os.environ[serve.SERVED_FROM] == f"{st.st_dev}:{st.st_ino}:{db.resolve()}"
    assert serve.replaced(os.environ[serve.SERVED_FROM]) is None
    built.edit("certainty: low", "certainty: moderate")
    built.edit("may increase", "probably increases")
    assert run("build").exit_code == 0  # a new file renamed over evidence.db
    assert serve.replaced(os.environ[serve.SERVED_FROM]) == str(db.resolve())
    with sqlite3.connect(link) as conn:
        assert conn.execute("select certainty from findings").fetchall() == [("low",)]
    again = serve.pin(db)  # a second pin in this process: the link names the new build
    assert again == link and os.path.samefile(link, db)
    for fn, args in at_exit:
        fn(*args)
    assert not folder.exists() and db.exists()
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        handler(signal.SIGTERM, None)
    assert stopped.value.code == 143


def test_pin_keeps_a_sigterm_handler_it_finds(built, at_exit):
    def mine(*_):
        pass

    before = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, mine)
    try:
        serve.pin(built.root / "evidence.db")
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)


def test_pin_removes_the_folders_of_servers_that_stopped_only(built, at_exit, sigterm_default):
    root = built.root
    gone, running, odd = root / f"{serve.PINS}999999999", root / f"{serve.PINS}1", root / f"{serve.PINS}x"
    for folder in (gone, running, odd):
        folder.mkdir()
        (folder / "evidence.db").write_bytes(b"old")
    other = root / "sub"
    (other / f"{serve.PINS}999999998").mkdir(parents=True)
    stray = root / f"{serve.PINS}999999997"
    stray.write_text("a file, not a pin folder", encoding="utf-8")
    serve.pin(root / "evidence.db")
    assert not gone.exists() and not odd.exists() and running.exists()
    assert (other / f"{serve.PINS}999999998").exists() and stray.exists()


def test_a_build_that_cannot_be_pinned_is_served_as_it_lands(project, at_exit, capsys):
    db = project.root / "evidence.db"  # not built: nothing to link to
    assert serve.pin(db) == db
    err = capsys.readouterr().err
    assert err.startswith(f"{db}: could not pin the build being served (") and err.endswith(
        "); a new build will be served as it lands\n")
    assert not list(project.root.glob(serve.PINS + "*")) and at_exit == []
    assert serve.SERVED_FROM not in os.environ


def test_a_database_in_a_missing_folder_is_served_unpinned(project, at_exit, capsys):
    db = project.root / "no" / "such" / "evidence.db"
    assert serve.pin(db) == db and "could not pin the build being served" in capsys.readouterr().err


def test_replaced_without_a_pin_or_a_file():
    assert serve.replaced(None) is None and serve.replaced("") is None
    assert serve.replaced("1:2:/no/such/evidence.db") is None


def test_replaced_reads_a_path_with_colons(tmp_path):
    db = tmp_path / "a:b.db"
    db.write_bytes(b"x")
    st = os.stat(db)
    assert serve.replaced(f"{st.st_dev}:{st.st_ino}:{db}") is None
    assert serve.replaced(f"{st.st_dev}:{st.st_ino + 1}:{db}") == str(db)
    assert serve.replaced(f"{st.st_dev + 1}:{st.st_ino}:{db}") == str(db)


def test_the_app_and_the_server_read_the_settings(built, tmp_path):
    metadata = tmp_path / "m.yml"
    metadata.write_text("title: T\nsettings:\n  sql_time_limit_ms: 2500\n  max_returned_rows: 7\n", encoding="utf-8")
    db = built.root / "evidence.db"
    assert serve.app(db, metadata).setting("sql_time_limit_ms") == 2500
    assert serve.serve_args(db, metadata, "0.0.0.0", 9000) == [
        "serve", "-i", str(db), "-m", str(metadata), "--host", "0.0.0.0", "--port", "9000",
        "--setting", "sql_time_limit_ms", "2500", "--setting", "max_returned_rows", "7"]


def test_publish_dry_run_prints_the_datasette_command(built, tmp_path):
    metadata = built.root / "m.yml"
    metadata.write_text("settings:\n  sql_time_limit_ms: 2500\n  max_returned_rows: 7\n", encoding="utf-8")
    result = run("publish", "cloudrun", "--service", "evidence-svc", "--metadata", "m.yml", "--dry-run")
    assert result.exit_code == 0
    from evidence import __version__

    assert result.stdout == (
        "datasette publish cloudrun evidence.db --metadata m.yml --service evidence-svc --static wheels:build/publish "
        f"--install wheels/evidence-{__version__}-py3-none-any.whl "
        "--extra-options '--setting sql_time_limit_ms 2500 --setting max_returned_rows 7'\n")
    missing = run("publish", "cloudrun", "--service", "s", "--db", "none.db", "--metadata", "m.yml", "--dry-run")
    assert missing.exit_code == 1 and "none.db: no such database (run `evidence build` first)" in missing.stderr


# --- evidence add ----------------------------------------------------------------------------------------


NEW = """\
@article{Doe2021,
  author = {Doe, Jan},
  title = {Another   Trial},
  year = {2021},
}
"""


def test_add_appends_after_a_blank_line_in_the_file_s_line_endings(project):
    bib = project.data / "references.bib"
    bib.write_bytes(BIB.encode().replace(b"\n", b"\r\n").rstrip(b"\r\n"))  # no newline at the end
    result = CliRunner().invoke(cli, ["add", "-"], input=NEW.replace("\n", "\r\n"))
    assert result.exit_code == 0, result.output
    after = bib.read_bytes()
    assert after == BIB.encode().replace(b"\n", b"\r\n").rstrip(b"\r\n") + b"\r\n\r\n" + \
        NEW.strip().encode().replace(b"\n", b"\r\n") + b"\r\n"
    stub = (project.data / "doe-2021.yaml").read_text(encoding="utf-8")
    assert stub.startswith("# Doe 2021: Another Trial\n") and "citation_key: Doe2021" in stub and "- id: doe-2021\n" in stub
    assert "doe-2021: wrote data/doe-2021.yaml; BibTeX entry Doe2021 added to data/references.bib" in result.stdout


def test_add_two_entries_into_an_empty_bibliography(project):
    (project.data / "references.bib").write_bytes(b"\n")
    (project.data / "studies.yaml").unlink()
    two = NEW + "\n" + NEW.replace("Doe2021", "Roe2021").replace("Doe, Jan", "Roe, Ann").replace("Another", "Third")
    added = scaffold.add(two, "new.bib", project.data)
    assert [(a.source_id, a.key, a.new_reference) for a in added] == [("doe-2021", "Doe2021", True),
                                                                       ("roe-2021", "Roe2021", True)]
    text = (project.data / "references.bib").read_bytes().decode("utf-8")
    assert text == "\n" + NEW.strip() + "\n\n" + two.split("\n\n")[1].strip() + "\n"


def test_an_entry_already_there_by_key_in_another_case_or_by_doi_is_not_appended(project):
    before = (project.data / "references.bib").read_bytes()
    (project.data / "studies.yaml").unlink()  # smith2020 no longer cited
    same_key = BIB.replace("@article{smith2020", "@article{SMITH2020")
    added = scaffold.add(same_key, "x.bib", project.data)
    assert [(a.key, a.new_reference) for a in added] == [("smith2020", False)]
    assert (project.data / "references.bib").read_bytes() == before
    (added[0].file).unlink()
    by_doi = BIB.replace("@article{smith2020", "@article{other").replace("10.1000/xyz123", "10.1000/XYZ123")
    assert [(a.key, a.new_reference) for a in scaffold.add(by_doi, "x.bib", project.data)] == [("smith2020", False)]
    assert (project.data / "references.bib").read_bytes() == before


def test_a_key_of_another_publication_names_both_lines(project):
    (project.data / "studies.yaml").unlink()
    other = "\n\n@article{smith2020,\n  title = {Something else},\n  year = {2020},\n}\n"
    with pytest.raises(ValidationFailed) as failed:
        scaffold.add(other, "new.bib", Path("data"))
    assert [str(p) for p in failed.value.report.problems] == [
        "new.bib:3: smith2020: the key is already in data/references.bib (line 1) for another publication; give the "
        "new entry a key of its own"]


def test_same_publication_by_doi_or_by_title_and_year():
    def entry(**fields):
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        return scaffold.read_entries(f"@article{{k,\n{body}\n}}\n", "x.bib")[0]

    assert scaffold.same_publication(entry(doi="10.1/A", title="x"), entry(doi="10.1/a", title="y"))
    assert not scaffold.same_publication(entry(doi="10.1/a", title="T", year=2020), entry(title="T", year=2020))
    assert scaffold.same_publication(entry(title="A  Trial", year=2020), entry(title="a trial", year=2020))
    assert not scaffold.same_publication(entry(title="A trial", year=2020), entry(title="A trial", year=2021))
    assert not scaffold.same_publication(entry(title="A trial", year=2020), entry(title="Other", year=2020))
    assert not scaffold.same_publication(entry(year=2020), entry(year=2020))  # no title: not the same


def test_source_ids_avoid_files_of_any_yaml_suffix(project):
    (project.data / "doe-2021.YML").write_text("[]\n", encoding="utf-8")
    (project.data / "doe-2021b.yaml.bak").write_text("", encoding="utf-8")
    (project.data / "doe-2021c.yaml").write_text("[]\n", encoding="utf-8")
    added = scaffold.add(NEW, "new.bib", project.data)
    assert [a.source_id for a in added] == ["doe-2021b"]
    again = scaffold.add(NEW.replace("Doe2021", "Doe2021x").replace("Another", "Fourth"), "n.bib", project.data)
    assert [a.source_id for a in again] == ["doe-2021d"]


def test_a_stub_name_taken_while_adding_moves_on_to_the_next(project, monkeypatch):
    real = scaffold.create_new
    taken = []

    def racing(path, content):
        if path.name == "doe-2021.yaml" and not taken:
            taken.append(path)
            path.write_text("# someone else's\n", encoding="utf-8")
            return False
        return real(path, content)

    monkeypatch.setattr(scaffold, "create_new", racing)
    added = scaffold.add(NEW, "new.bib", project.data)
    assert [(a.source_id, a.file.name) for a in added] == [("doe-2021b", "doe-2021b.yaml")]
    assert (project.data / "doe-2021.yaml").read_text(encoding="utf-8") == "# someone else's\n"
    assert (project.data / "doe-2021b.yaml").read_text(encoding="utf-8").count("- id: doe-2021b\n") == 1


def test_unique_ids_and_slugs():
    assert scaffold.unique_id("a", {"a", *(f"a{c}" for c in "bcdefghijklmnopqrstuvwxyz")}) == "a-2"
    every = {"a", *(f"a{c}" for c in "bcdefghijklmnopqrstuvwxyz"), *(f"a-{n}" for n in range(2, 10_000))}
    with pytest.raises(Exception, match="^a: no free source id$"):
        scaffold.unique_id("a", every)
    assert scaffold.slug("--Ünïcode, 2020--") == "unicode-2020" and scaffold.slug("日本") == "source"


def test_yaml_keys_are_quoted_as_json_keeping_non_ascii():
    assert scaffold.yaml_key("plain2020") == "plain2020"
    assert scaffold.yaml_key("é: x") == '"é: x"'
    assert scaffold.yaml_key("[x") == '"[x"'  # not YAML at all


def test_no_entry_and_no_folder_are_messages(project):
    with pytest.raises(Exception, match="^empty.bib: no BibTeX entry found$"):
        scaffold.read_entries("% nothing here\n", "empty.bib")
    with pytest.raises(Exception, match="^nowhere: not a folder \\(give --data DIR\\)$"):
        scaffold.add(NEW, "new.bib", Path("nowhere"))


def test_an_undo_restores_a_rewritten_bibliography_and_removes_a_new_one(project, monkeypatch):
    bib = project.data / "references.bib"
    before = bib.read_bytes()
    os.chmod(bib, 0o640)
    state = scaffold._Bib(bib)
    state.append(["@misc{x, title = {x}}"])
    bib.write_bytes(b"rewritten by someone")
    state.restore()
    assert bib.read_bytes() == before and oct(bib.stat().st_mode & 0o777) == "0o640"
    state.restore()  # once only
    assert bib.read_bytes() == before
    new = scaffold._Bib(project.data / "new.bib")
    assert not new.written
    new.append(["@misc{y, title = {y}}"])
    assert (project.data / "new.bib").read_text(encoding="utf-8") == "@misc{y, title = {y}}\n"
    assert oct((project.data / "new.bib").stat().st_mode & 0o777) == "0o644"
    new.restore()
    assert not (project.data / "new.bib").exists()


def test_a_stub_that_does_not_validate_against_the_bibliography_is_undone(project):
    before = (project.data / "references.bib").read_bytes()
    bad = NEW.replace("year = {2021},", "year = {2021},\n  doi = {not a doi},")
    with pytest.raises(ValidationFailed):
        scaffold.add(bad, "new.bib", project.data)
    assert (project.data / "references.bib").read_bytes() == before
    assert sorted(p.name for p in project.data.glob("*.yaml")) == ["studies.yaml"]


def test_add_leaves_one_blank_line_after_a_file_that_ends_its_last_line(project):
    (project.data / "studies.yaml").unlink()
    scaffold.add(NEW, "new.bib", project.data)
    assert (project.data / "references.bib").read_bytes() == (BIB + "\n" + NEW.strip() + "\n").encode()


def test_add_without_a_bibliography_starts_one(project):
    (project.data / "references.bib").unlink()
    (project.data / "studies.yaml").unlink()
    added = scaffold.add(NEW, "new.bib", project.data)
    assert [(a.source_id, a.new_reference) for a in added] == [("doe-2021", True)]
    assert (project.data / "references.bib").read_bytes() == (NEW.strip() + "\n").encode()


def test_a_key_in_another_case_without_a_doi_is_the_entry_already_there(project):
    (project.data / "studies.yaml").unlink()
    (project.data / "references.bib").write_text(NEW, encoding="utf-8")
    added = scaffold.add(NEW.replace("Doe2021", "DOE2021"), "new.bib", project.data)
    assert [(a.key, a.new_reference) for a in added] == [("Doe2021", False)]
    assert (project.data / "references.bib").read_text(encoding="utf-8") == NEW
    assert "citation_key: Doe2021\n" in added[0].file.read_text(encoding="utf-8")


def test_a_file_named_with_a_dot_takes_only_its_own_name(project):
    (project.data / "doe-2021.old.yaml").write_text("[]\n", encoding="utf-8")
    assert [a.source_id for a in scaffold.add(NEW, "new.bib", project.data)] == ["doe-2021"]


def test_an_entry_without_a_year_and_two_by_one_author(project):
    no_year = NEW.replace("  year = {2021},\n", "")
    second = NEW.replace("Doe2021", "Doe2021b").replace("Another", "Second")
    added = scaffold.add(no_year + "\n" + second + "\n" + second.replace("Doe2021b", "Doe2021c")
                         .replace("Second", "Third"), "new.bib", project.data)
    assert [a.source_id for a in added] == ["doe", "doe-2021", "doe-2021b"]
    assert (project.data / "doe.yaml").read_text(encoding="utf-8").startswith("# Doe: Another Trial\n")


def test_add_refuses_a_references_bib_that_is_a_dangling_link(tmp_path):
    """A references.bib that is a symbolic link to nothing is neither replaced by a file nor followed to
    create its target: `evidence add` says so and writes nothing."""
    from click.testing import CliRunner

    from evidence.cli import cli

    data = tmp_path / "data"
    data.mkdir()
    (data / "references.bib").symlink_to(tmp_path / "elsewhere" / "refs.bib")
    entry = tmp_path / "new.bib"
    entry.write_text("@article{new2024,\n  title = {A trial},\n  year = {2024},\n}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["add", str(entry), "--data", str(data)])
    assert result.exit_code != 0
    assert "a symbolic link to" in result.output and "which does not exist; nothing was added" in result.output
    assert (data / "references.bib").is_symlink() and not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in data.iterdir()) == ["references.bib"]
