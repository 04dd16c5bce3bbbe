"""Click commands ``pool`` and ``forest-csv`` (registered on the main ``evidence`` group by evidence/cli.py).

Both read a study CSV (:mod:`.csvinput`); a bad file gives ``FILE:LINE: message`` lines and exit status 1.
They also work on their own (they turn EvidenceError/ValueError into click errors themselves).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from ..files import write_text
from ..problems import EvidenceError
from ..choices import Later

if TYPE_CHECKING:
    from .pooling import PoolResult


def _names() -> Any:
    from . import names  # the measures and methods are vocabulary terms: read when an option needs them

    return names


def analysis_options(f: Callable) -> Callable:
    f = click.option("--prediction", type=Later(lambda: _names().PREDICTIONS), default="z", show_default=True,
                     help="Prediction interval: z = metafor's default (normal quantile, or t with k-1 df under "
                          "Hartung-Knapp; k >= 2); t = Riley 2011 / Cochrane Handbook (t with k-2 df; k >= 3).")(f)
    f = click.option("--hartung-knapp", is_flag=True,
                     help="Hartung-Knapp-Sidik-Jonkman CI and test (t with k-1 df); random-effects methods only.")(f)
    f = click.option("--method", type=Later(lambda: _names().METHODS), default="REML", show_default=True,
                     help="FE = inverse-variance fixed effect; DL, REML, PM = random effects with that tau² "
                          "estimator; MH = Mantel-Haenszel (binary measures only).")(f)
    f = click.option("--measure", type=Later(lambda: _names().MEASURES), required=True,
                     help="RR, OR, RD for binary data; MD, SMD (Hedges' g) for continuous data; any measure for "
                          "estimates with a CI or SE (HR too).")(f)
    f = click.option("--analysis", default=None, metavar="GROUP.NUMBER",
                     help="For a Cochrane data package's data-rows CSV: the analysis to read, e.g. 1.2.")(f)
    f = click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))(f)
    return f


def analyse(file: Path, measure: str, method: str, hartung_knapp: bool, prediction: str,
            analysis: str | None = None) -> PoolResult:
    """Read, check the measure/method against the data, and pool; user errors become ClickException."""
    from . import pool_studies
    from .csvinput import read_studies
    from .names import BINARY, CONTINUOUS, RANDOM

    measure, method = measure.upper(), method.upper()
    try:
        kind, studies = read_studies(file, analysis)
    except EvidenceError as e:
        raise click.ClickException(str(e)) from None
    if kind == "binary" and measure not in BINARY:
        raise click.ClickException(f"{file}: binary data (events/totals) take --measure RR, OR or RD, not {measure}")
    if kind == "continuous" and measure not in CONTINUOUS:
        raise click.ClickException(f"{file}: continuous data (means/SDs) take --measure MD or SMD, not {measure}")
    if method == "MH" and measure not in BINARY:
        raise click.ClickException("--method MH (Mantel-Haenszel) is only for binary measures: RR, OR, RD")
    if hartung_knapp and method not in RANDOM:
        raise click.ClickException("--hartung-knapp is for random-effects methods only: DL, REML, PM")
    try:
        return pool_studies(studies, measure, method, hartung_knapp=hartung_knapp, prediction=prediction)
    except (ValueError, ArithmeticError) as e:
        raise click.ClickException(f"{file}: {e}") from None


@click.command(name="pool")
@analysis_options
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: k, measure, method, estimate, ci_lower, ci_upper, log_estimate, se, "
                   "tau2, i2, q, pi_lower, pi_upper, h2, q_df, q_p, z (a t statistic under Hartung-Knapp), p, "
                   "hartung_knapp, prediction (null where not defined) and studies.")
def pool(file: Path, analysis: str | None, measure: str, method: str, hartung_knapp: bool, prediction: str,
         as_json: bool) -> None:
    """Meta-analyse the studies in FILE.csv (binary: study,events_int,n_int,events_ctl,n_ctl; continuous:
    study,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl; generic: study,estimate,ci_lower,ci_upper and/or se;
    or a Cochrane data package's data-rows CSV with --analysis). Ratio measures are reported exponentiated, with
    log_estimate and se on the log scale."""
    result = analyse(file, measure, method, hartung_knapp, prediction, analysis)
    if as_json:
        out: dict[str, Any] = result.to_dict(studies=True)
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        from .report import summary

        click.echo(summary(result))


@click.command(name="forest-csv")
@analysis_options
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where to write the forest plot (SVG).")
@click.option("--intervention", default="Intervention", show_default=True, help="Header of the intervention arm.")
@click.option("--control", default="Control", show_default=True, help="Header of the control arm.")
@click.option("--desirable", type=click.Choice(("higher", "lower")), default="lower", show_default=True,
              help="Which way the outcome is better: 'Favours intervention' goes on that side (lower: left, "
                   "RevMan's default; higher, e.g. return to work: right).")
@click.option("--favours-left", default=None, help="Label under the left of the axis (instead of --desirable's).")
@click.option("--favours-right", default=None, help="Label under the right of the axis (instead of --desirable's).")
@click.option("--title", default="", help="Title above the plot.")
def forest_csv(file: Path, analysis: str | None, measure: str, method: str, hartung_knapp: bool, prediction: str,
               output: Path,
               intervention: str, control: str, desirable: str, favours_left: str | None, favours_right: str | None,
               title: str) -> None:
    """Write a RevMan-style forest plot (SVG) of the studies in FILE.csv."""
    from .forest import favours, forest_svg  # matplotlib is loaded only for plots

    result = analyse(file, measure, method, hartung_knapp, prediction, analysis)
    sides = favours(desirable)
    svg = forest_svg(result, labels={"intervention": intervention, "control": control, "title": title,
                                     "favours_left": favours_left or sides["favours_left"],
                                     "favours_right": favours_right or sides["favours_right"]})
    write_text(output, svg)
    click.echo(f"wrote {output} ({result.k} studies)", err=True)


@click.command(name="forest")
@click.argument("finding_id")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where to write the forest plot (SVG).")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=Path("evidence.db"), show_default=True,
              help="The SQLite database file.")
def forest(finding_id: str, output: Path, db: Path) -> None:
    """Write the forest plot (SVG) of a finding's study-level results, pooled as the build pooled them."""
    from ..read import connect
    from .stored import finding_forest

    with connect(db) as conn:
        svg = finding_forest(conn, finding_id)
    write_text(output, svg)
    click.echo(f"wrote {output}", err=True)


@click.command(name="import-studies")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--analysis", default=None, metavar="GROUP.NUMBER",
              help="For a Cochrane data package's data-rows CSV: the analysis to read, e.g. 1.2.")
def import_studies(file: Path, analysis: str | None) -> None:
    """Print the studies of FILE (a study CSV, or one analysis of a Cochrane data package's data-rows CSV)
    as a finding's `studies:` block in YAML, to paste under the finding in data/studies.yaml."""
    from ..schema import StudyIn
    from .csvinput import read_studies

    try:
        _, studies = read_studies(file, analysis)
    except EvidenceError as e:
        raise click.ClickException(str(e)) from None
    lines = ["studies:"]
    for study in studies:
        keys = [k for k in StudyIn.model_fields if study.get(k) is not None]  # in the order of the study model
        for i, key in enumerate(keys):
            lines.append(f"  {'- ' if i == 0 else '  '}{key}: {json.dumps(study[key], ensure_ascii=False)}")
    click.echo("\n".join(lines))
