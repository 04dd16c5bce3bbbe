"""The `evidence` command line: validate, build, serve, add and diff; exports; publishing; and
keeping metadata.yml in step with the schema. Every command documents itself (--help)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Optional

import click

from . import __version__
from .choices import Later
from .problems import EvidenceError, Report, ValidationFailed, ordered

# Each command imports the modules it uses when it runs (the build, the schema, Datasette, the export
# formats): start-up loads click and no more. bench/startup_bench.py measures it, tests/test_startup.py holds it.

DATA = Path("data")
DB = Path("evidence.db")
METADATA = Path("metadata.yml")


class Group(click.Group):
    """Turns user-facing failures into a message and exit status 1 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        import sqlite3  # not at start-up: `evidence --version` never gets here

        try:
            return super().invoke(ctx)
        except ValidationFailed as e:
            print_report(e.report)
            raise click.ClickException(f"{e.report.summary()}; nothing was written") from None
        except EvidenceError as e:
            raise click.ClickException(str(e)) from None
        except OSError as e:
            raise click.ClickException(f"{e.filename or ''}: {e.strerror or e}") from None
        except sqlite3.Error as e:
            raise click.ClickException(f"SQLite: {e}") from None


def print_report(report: Report, justified: bool = True) -> None:
    """Problems as FILE:LINE: field: message; justified deviations only where asked for (validate)."""
    for problem in ordered(report.problems):
        if justified or not problem.justified:
            click.echo(str(problem), err=True)


def log(message: str) -> None:
    click.echo(message, err=True)


def data_options(f: Any) -> Any:
    f = click.option("--bib", type=click.Path(path_type=Path, dir_okay=False),
                     help="BibTeX file. Default: references.bib in the data folder, or beside the data file.")(f)
    f = click.option("--data", type=click.Path(path_type=Path), default=DATA, show_default=True,
                     help="A YAML file, or a folder whose *.yaml files are all loaded (recursively).")(f)
    return f


strict_option = click.option("--strict", is_flag=True, help="Treat unjustified warnings as errors.")
db_option = click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DB,
                         show_default=True, help="The SQLite database file.")


@click.group(cls=Group)
@click.version_option(__version__, prog_name="evidence")
def cli() -> None:
    """Evidence database on interventions for work participation.

    Curated records in data/*.yaml (with data/references.bib) are validated, built into SQLite
    and served with Datasette.
    """


@cli.command()
@data_options
@strict_option
def validate(data: Path, bib: Optional[Path], strict: bool) -> None:
    """Check the curated data and report every problem as FILE:LINE: field: message.

    Exits 1 on errors (and on unjustified warnings with --strict), 0 otherwise.
    """
    from . import build as builder

    _, report, _ = builder.check(data, bib, log)
    print_report(report)
    if report.fails(strict):
        raise click.ClickException(report.summary())
    click.echo(f"OK: {report.summary()}")


@cli.command()
@data_options
@db_option
@strict_option
@click.option("--force", is_flag=True, help="Read and rebuild everything, even when the inputs have not changed (the full build).")
@click.option("--changelog", type=click.Path(path_type=Path, dir_okay=False),
              help="Write what changed since the previous database to this file (.md for Markdown).")
def build(data: Path, bib: Optional[Path], db: Path, strict: bool, force: bool, changelog: Optional[Path]) -> None:
    """Validate the data and build the SQLite database.

    The database is replaced atomically: when validation or the build fails, the existing file
    is left exactly as it was. Nothing is done when the inputs are unchanged (same content hash).
    What changed since the previous build is recorded in the `changes` table.

    Only what changed is read again: the sources whose YAML block or bibliography entry changed
    are validated and applied to a copy of the database, which then holds what a full build
    gives. When that cannot be told (the code, a vocabulary or the guideline changed, or a
    changed source has an error) everything is read, and the log says why. --force and --strict
    always read everything.
    """
    from . import build as builder

    first = not db.exists()  # no previous build to compare with: every record is added, nothing "changed"
    result = builder.build(data, db, bib, strict=strict, log=log, force=force, changelog=changelog)
    print_report(result.report, justified=False)
    if result.changes is None:
        click.echo(f"{db} is up to date: nothing to do ({result.report.summary()})")
    elif first:
        click.echo(f"Built {db}: {result.report.summary()}; a first build (no previous one to compare with)")
    else:
        click.echo(f"Built {db}: {result.report.summary()}; {len(result.changes)} change(s) since the previous build")


@cli.command(name="diff")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=Later(lambda: sorted(_diff().FORMATTERS)), default="text", show_default=True,
              help="Plain text, or Markdown for a release note.")
def diff_command(old: Path, new: Path, fmt: str) -> None:
    """List the sources, findings and economic evaluations added, removed or changed (field by
    field) between two databases. Exits 0 whether or not there are changes.
    """
    differ = _diff()
    click.echo(differ.FORMATTERS[fmt](differ.diff(differ.read(old), differ.read(new))), nl=False)


def _diff() -> Any:
    from . import diff

    return diff


@cli.command()
@data_options
@db_option
@click.option("--metadata", "metadata_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Datasette metadata file. Default: ./metadata.yml, else the copy in the package.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes sharing the port. Default: one per core, at most 4. Each takes about "
                   "150 MB serving pages and writes up to 3 downloads at once (up to about 600 MB while it "
                   "writes three whole-table Parquet, JSON or Excel files, at 100k findings).")
def serve(data: Path, bib: Optional[Path], db: Path, metadata_path: Optional[Path], host: str, port: int,
          workers: Optional[int]) -> None:
    """Serve the database with Datasette (read-only), from any folder and under any file name.

    Builds it first when it is missing or older than its inputs (when the data folder is there).
    Every worker serves the build the server started with, until it is stopped (Ctrl-C).
    """
    if not db.exists() or (data.exists() and is_stale(db, data, bib)):
        click.echo(f"{db} is missing or older than its inputs: building it first", err=True)
        from . import build as builder

        builder.build(data, db, bib, log=log)
    if metadata_path is None:
        from .site import PACKAGED_METADATA

        metadata_path = METADATA if METADATA.is_file() else PACKAGED_METADATA
    from .serve import default_workers, run

    run(db, metadata_path, host, port, workers or default_workers())


def is_stale(db: Path, data: Path, bib: Optional[Path]) -> bool:
    if not db.exists():
        return True
    from .discover import default_bib, yaml_paths

    inputs = [*yaml_paths(data), bib or default_bib(data)]
    newest = max(p.stat().st_mtime for p in inputs if p.exists())
    return newest > db.stat().st_mtime


@cli.command()
@click.argument("target", type=click.Choice(["cloudrun"]))
@click.option("--service", required=True, help="Name of the Cloud Run service.")
@db_option
@click.option("--metadata", "metadata_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=METADATA, show_default=True, help="Datasette metadata file.")
@click.option("--dry-run", is_flag=True, help="Print the datasette command instead of running it.")
def publish(target: str, service: str, db: Path, metadata_path: Path, dry_run: bool) -> None:
    """Publish the database with `datasette publish cloudrun`, this package's plugins and
    templates included. Needs gcloud, logged in to the project to publish to.
    """
    if not db.is_file():
        raise EvidenceError(f"{db}: no such database (run `evidence build` first)")
    wheel_dir = Path("build") / "publish"
    wheel = Path(f"{wheel_dir}/evidence-{__version__}-py3-none-any.whl")
    import shlex
    import subprocess

    from .serve import publish_args

    args = publish_args(db, metadata_path, service, wheel)
    if dry_run:
        click.echo(shlex.join(["datasette", *args]))
        return
    subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "--quiet", "-w",
                    str(wheel_dir)], check=True)  # built with the locked setuptools, nothing fetched
    from datasette.cli import cli as datasette  # heavy import: only publishing needs it

    datasette.main(args, prog_name="datasette")


@cli.command()
@click.argument("version")
@data_options
@db_option
@strict_option
@click.option("--previous", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The previous release's database: history and changes continue from it. Without it, every "
                   "record is added in this release.")
@click.option("--date", "released_at", help="Release date (YYYY-MM-DD). Default: today (UTC).")
@click.option("--changelog", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write what changed since the previous release to this file (.md for Markdown).")
@click.option("--metadata", "metadata_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=METADATA, show_default=True, help="Datasette metadata file (title and licence).")
@click.option("--maintainers", type=click.Path(path_type=Path, dir_okay=False), default=Path("maintainers.yaml"),
              show_default=True, help="The authors to cite (Citation File Format author fields).")
@click.option("--citation-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="Where to write CITATION.cff and .zenodo.json.")
def release(version: str, data: Path, bib: Optional[Path], db: Path, strict: bool, previous: Optional[Path],
            released_at: Optional[str], changelog: Optional[Path], metadata_path: Path, maintainers: Path,
            citation_dir: Path) -> None:
    """Build release VERSION: the database stamped with the version and date, the history of every record
    since the previous release, and CITATION.cff and .zenodo.json to cite it. No network calls: minting a
    DOI stays with the hosting platform.
    """
    import datetime

    from . import build as builder
    from . import metadata as md
    from . import releases
    from .files import check_target

    if releases.version_problem(version):
        raise click.BadParameter(releases.version_problem(version), param_hint="VERSION")
    date = released_at or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    if releases.date_problem(date):
        raise click.BadParameter(releases.date_problem(date), param_hint="--date")
    # every input of the release is read and checked before anything is built or written
    authors = releases.maintainers(maintainers)
    site = md.read(metadata_path)
    if not isinstance(site, dict):
        raise EvidenceError(f"{metadata_path}: expected a YAML mapping (title, license, …); nothing was written")
    last = releases.previous_info(previous)
    releases.check_follows(version, date, last, previous)
    if not citation_dir.is_dir():
        raise EvidenceError(f"{citation_dir}: the folder for CITATION.cff and .zenodo.json does not exist; nothing was "
                            "written")
    project = {"data": data, "bib": bib, "inputs": (metadata_path, maintainers)}
    builder.check_targets(data, bib, db, changelog, inputs=project["inputs"])
    cff, zenodo = citation_dir / "CITATION.cff", citation_dir / ".zenodo.json"
    check_target(cff, "--citation-dir", "citation metadata", "yaml", **project)
    check_target(zenodo, "--citation-dir", "citation metadata", **project)
    files = {cff: lambda content_hash: releases.citation_cff(site, authors, version, date, content_hash),
             zenodo: lambda content_hash: releases.zenodo_json(site, authors, version, date)}
    result = builder.build(data, db, bib, strict=strict, log=log, changelog=changelog,
                           release={"version": version, "date": date, "previous": previous, "files": files})
    click.echo(f"Released {version} ({date}) as {db}: {len(result.changes or [])} change(s) since "
               f"{'the previous release' if previous else 'nothing (first release)'}; wrote {cff} and {zenodo}")
    from .guideline import modules_with_new_evidence

    for qid, module, count in modules_with_new_evidence(db, version):
        click.echo(f"New evidence for guideline module {qid} ({module}): {count} finding(s)")


@cli.command()
@click.option("--metadata", "metadata_path", type=click.Path(path_type=Path, dir_okay=False),
              default=METADATA, show_default=True, help="Datasette metadata file to update.")
def metadata(metadata_path: Path) -> None:
    """Write the table and column descriptions from the schema into metadata.yml (and evidence/columns.py,
    the tables' columns as the exports read them, when the schema changed)."""
    from . import metadata as md

    if md.write(metadata_path):
        click.echo("Updated evidence/columns.py from the schema")
    click.echo(f"Updated the descriptions in {metadata_path}")


@cli.command()
@click.argument("bibfile", type=click.File("rb"))
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=DATA, show_default=True,
              help="The data folder: the entry goes into its references.bib, the stub into a new file in it.")
@click.option("--condition", "conditions", multiple=True, metavar="ID", help="Condition the source covers. Repeatable.")
def add(bibfile: Any, data: Path, conditions: tuple[str, ...]) -> None:
    """Scaffold a new source from a BibTeX entry (BIBFILE, or - for standard input).

    Appends the entry to DATA/references.bib (skipped when its key or DOI is already there), writes
    a YAML stub for it to DATA/<source-id>.yaml with status awaiting_classification, and validates.
    """
    from . import scaffold
    from .files import check_target

    name = getattr(bibfile, "name", None)
    name = "<stdin>" if not isinstance(name, str) or name in ("-", "<stdin>") else name
    check_target(data / "references.bib", "--data", "bibliography", "bibtex", data=data, in_data=True,
                 reading=[] if name == "<stdin>" else [Path(name)])
    for added in scaffold.add(bibfile.read(), name, data, conditions):
        reference = "added to" if added.new_reference else "already in"
        click.echo(f"{added.source_id}: wrote {added.file}; BibTeX entry {added.key} {reference} {data / 'references.bib'}")
    click.echo("Validated. Next: classify the source and add its findings, then `evidence build`.")


# --- exports ---------------------------------------------------------------------------------------


def filter_options(f: Any) -> Any:
    """--condition, --certainty, --intervention-type, --outcome, --source; each may be repeated."""
    for name, help_text in reversed([
        ("condition", "Condition id, e.g. traumatic_brain_injury."),
        ("certainty", "GRADE certainty: high, moderate, low, very_low."),
        ("intervention-type", "Intervention type id, e.g. cognitive_rehabilitation."),
        ("outcome", "Outcome id, e.g. return_to_work."),
        ("source", "Source id, e.g. kumar-2017."),
    ]):
        f = click.option(f"--{name}", multiple=True, metavar="ID", help=f"{help_text} Repeat for several.")(f)
    return click.option("--once/--with-repeats", "once", default=None,
                        help="Leave out findings that repeat another finding's result (same_result_as), as counts "
                             "and pooling need. Default: once for sof, every row for tables and bibliographies.")(f)


def output_option(f: Any) -> Any:
    return click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
                        help="File to write. Default: standard output (text formats only).")(f)


def collect(**options: Any) -> dict:
    return {name: values for name, values in options.items() if values or (name == "once" and values is False)}


def export_help() -> str:
    exports = _exports()
    lines = ["\b", "Formats (--format; the first of each is the default):"]
    lines.append(f"  TABLE: {', '.join(f.name for f in exports.formats_of('table'))}")
    lines += [f"  {name}: {', '.join(f.name for f in exports.formats_of(name))}" for name in exports.exports()]
    return "\n".join(lines)


class ExportCommand(click.Command):
    """`evidence export`, whose help lists the export registry: read when the help is written."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.params[0].metavar = "TABLE|" + "|".join(_exports().exports())
        super().format_usage(ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.epilog = export_help()
        super().format_epilog(ctx, formatter)


def _exports() -> Any:
    from . import exports

    return exports


def _tables() -> Any:
    from .columns import COLUMNS

    return COLUMNS


def _languages() -> Any:
    from . import languages  # evidence/languages/: one file a language

    return languages


@cli.command(name="export", cls=ExportCommand)
@click.argument("what", type=Later(lambda: [*_tables(), *_exports().exports()]))
@click.option("--format", "fmt", help="Output format (see below). Tables: csv by default.")
@click.option("--by", type=click.Choice(["condition", "source"]), default="condition", show_default=True,
              help="sof only: one table per condition or per source.")
@click.option("--excel", is_flag=True,
              help="csv only: the spreadsheet flavour (UTF-8 byte-order mark, CRLF, formula-like cells guarded).")
@click.option("--lang", type=Later(lambda: _languages().codes()), default="nl", show_default=True,
              help="guideline only: the language of the document's headings (the guideline's text stays Dutch as printed).")
@filter_options
@output_option
@db_option
def export_command(what: str, fmt: Optional[str], by: str, excel: bool, lang: str, output: Optional[Path], db: Path,
                   **filters: Any) -> None:
    """Export a table, a bibliography (bib, ris), an HL7 FHIR R5 Bundle (fhir) or
    Summary-of-Findings tables (sof), filtered like the site.

    \b
    evidence export findings --condition cancer --format xlsx -o cancer.xlsx
    evidence export bib --certainty moderate -o moderate.bib
    evidence export fhir --condition traumatic_brain_injury -o tbi.json
    evidence export sof --by source --format html -o sof.html
    """
    write_export(db, "table" if what in _tables() else what, what, fmt, collect(**filters), output, by=by,
                 excel=excel, lang=lang)


def write_export(db: Path, export: str, table: str, fmt: Optional[str], filters: dict, output: Optional[Path],
                 **options: Any) -> None:
    """Every export goes through here: the registry's format, one read-only connection, and the writer
    streaming to standard output or through a temporary file that replaces ``output`` only when complete."""
    from . import exports
    from .files import Staged, check_target
    from .read import check_filter_values, connect

    try:
        chosen = exports.find(export, fmt)
    except EvidenceError as e:
        raise click.BadParameter(str(e), param_hint="--format") from None
    output = None if output is not None and str(output) == "-" else output  # -o -: standard output
    if output is None and chosen.binary:
        raise click.UsageError(f"{chosen.name} is a binary format: give a file with -o")
    check_target(output, "-o", f"{table if export == 'table' else export} export", "bibtex" if chosen.name == "bib" else None,
                 reading=[db])
    with connect(db) as conn:
        check_filter_values(conn, filters)
        if output is None:
            sys.stdout.flush()
            stream = sys.stdout.buffer
            chosen.write(conn, table, filters, options, stream)
            stream.flush()
            return
        written: list[exports.Output] = []
        exports.sweep_killed(output)

        def write(tmp: Path) -> None:
            with open(tmp, "wb", buffering=1 << 20) as f, exports.held(f):
                written.append(chosen.write(conn, table, filters, options, f))

        with Staged() as staged:  # the file and its sidecar (a CSV's CSVW metadata) replaced together
            staged.write(output, write)
            if chosen.sidecar:
                content = chosen.sidecar(conn, table, filters, options, output.name)
                staged.write(output.with_name(f"{output.name}-metadata.json"), lambda tmp: tmp.write_bytes(content))
            staged.commit()
    click.echo(f"Wrote {written[0].message()} to {output}", err=True)


@cli.command(name="sof")
@click.option("--format", "fmt", type=Later(lambda: [f.name for f in _exports().formats_of("sof")]), default="md",
              show_default=True, help="Markdown or HTML.")
@click.option("--by", type=click.Choice(["condition", "source"]), default="condition", show_default=True,
              help="One table per condition or per source.")
@filter_options
@output_option
@db_option
def sof_command(fmt: str, by: str, output: Optional[Path], db: Path, **filters: Any) -> None:
    """Summary-of-Findings tables (as in Cochrane and GRADEpro), per condition or per source.

    The same as `evidence export sof`.
    """
    write_export(db, "sof", "findings", fmt, collect(**filters), output, by=by)


from .synthesis.cli import forest, forest_csv, import_studies, pool  # noqa: E402  (numpy and scipy load when a command runs)

def checks_its_output(command: click.Command, reading: str) -> click.Command:
    """The plot commands run the one target check (files.check_target) on -o before they read anything:
    never an input, the file they read (the parameter ``reading``), or a file of another kind."""
    plot = command.callback

    @functools.wraps(plot)
    def checked(**params: Any) -> Any:
        from .files import check_target

        check_target(params["output"], "-o", "forest plot", reading=[params[reading]])
        return plot(**params)

    command.callback = checked
    return command


for command in (pool, checks_its_output(forest_csv, "file"), checks_its_output(forest, "db"), import_studies):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="evidence")


if __name__ == "__main__":
    sys.exit(main())
