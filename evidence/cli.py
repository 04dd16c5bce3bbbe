"""The `evidence` command line: validate, build, serve and keep metadata.yml in step with the schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import click

from . import __version__
from . import build as builder
from . import metadata as md
from .inputs import default_bib, yaml_paths
from .problems import EvidenceError, Report, ValidationFailed, ordered

DATA = Path("data")
DB = Path("evidence.db")
METADATA = Path("metadata.yml")


class Group(click.Group):
    """Turns user-facing failures into a message and exit status 1 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationFailed as e:
            print_report(e.report)
            raise click.ClickException(f"{e.report.summary()}; nothing was written") from None
        except EvidenceError as e:
            raise click.ClickException(str(e)) from None
        except OSError as e:
            raise click.ClickException(f"{e.filename or ''}: {e.strerror or e}") from None


def print_report(report: Report) -> None:
    for problem in ordered(report.problems):
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
    _, report, _ = builder.check(data, bib, log)
    print_report(report)
    if report.fails(strict):
        raise click.ClickException(report.summary())
    click.echo(f"OK: {report.summary()}")


@cli.command()
@data_options
@db_option
@strict_option
def build(data: Path, bib: Optional[Path], db: Path, strict: bool) -> None:
    """Validate the data and build the SQLite database.

    The database is replaced atomically: when validation or the build fails, the existing file
    is left exactly as it was.
    """
    report = builder.build(data, db, bib, strict=strict, log=log)
    print_report(report)
    click.echo(f"Built {db}: {report.summary()}")


@cli.command()
@data_options
@db_option
@click.option("--metadata", "metadata_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=METADATA, show_default=True, help="Datasette metadata file.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
def serve(data: Path, bib: Optional[Path], db: Path, metadata_path: Path, host: str, port: int) -> None:
    """Serve the database with Datasette (read-only).

    Builds it first when it is missing or older than its inputs.
    """
    if is_stale(db, data, bib):
        click.echo(f"{db} is missing or older than its inputs: building it first", err=True)
        builder.build(data, db, bib, log=log)
    from datasette.cli import cli as datasette  # heavy import: only the serve command needs it

    from .serve import serve_args

    datasette.main(serve_args(db, metadata_path, host, port), prog_name="datasette")


def is_stale(db: Path, data: Path, bib: Optional[Path]) -> bool:
    if not db.exists():
        return True
    inputs = [*yaml_paths(data), bib or default_bib(data)]
    newest = max(p.stat().st_mtime for p in inputs if p.exists())
    return newest > db.stat().st_mtime


@cli.command()
@click.option("--metadata", "metadata_path", type=click.Path(path_type=Path, dir_okay=False),
              default=METADATA, show_default=True, help="Datasette metadata file to update.")
def metadata(metadata_path: Path) -> None:
    """Write the table and column descriptions from the schema into metadata.yml."""
    md.write(metadata_path)
    click.echo(f"Updated the descriptions in {metadata_path}")


def main() -> None:
    cli(prog_name="evidence")


if __name__ == "__main__":
    sys.exit(main())
