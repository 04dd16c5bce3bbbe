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
from .names import BINARY, CONTINUOUS, METHODS, PREDICTIONS, RANDOM

if TYPE_CHECKING:
    from .pooling import PoolResult

MEASURES = (*BINARY, *CONTINUOUS)


def analysis_options(f: Callable) -> Callable:
    f = click.option("--prediction", type=click.Choice(PREDICTIONS), default="z", show_default=True,
                     help="Prediction interval: z = metafor's default (normal quantile, or t with k-1 df under "
                          "Hartung-Knapp; k >= 2); t = Riley 2011 / Cochrane Handbook (t with k-2 df; k >= 3).")(f)
    f = click.option("--hartung-knapp", is_flag=True,
                     help="Hartung-Knapp-Sidik-Jonkman CI and test (t with k-1 df); random-effects methods only.")(f)
    f = click.option("--method", type=click.Choice(METHODS), default="REML", show_default=True,
                     help="FE = inverse-variance fixed effect; DL, REML, PM = random effects with that tau² "
                          "estimator; MH = Mantel-Haenszel (binary measures only).")(f)
    f = click.option("--measure", type=click.Choice(MEASURES), required=True,
                     help="RR, OR, RD for binary data; MD, SMD (Hedges' g) for continuous data.")(f)
    f = click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))(f)
    return f


def analyse(file: Path, measure: str, method: str, hartung_knapp: bool, prediction: str) -> PoolResult:
    """Read, check the measure/method against the data, and pool; user errors become ClickException."""
    from . import pool_studies
    from .csvinput import read_studies

    measure, method = measure.upper(), method.upper()
    try:
        kind, studies = read_studies(file)
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
                   "tau2, i2, q, pi_lower, pi_upper (null where not defined) and studies.")
def pool(file: Path, measure: str, method: str, hartung_knapp: bool, prediction: str, as_json: bool) -> None:
    """Meta-analyse the studies in FILE.csv (binary: study,events_int,n_int,events_ctl,n_ctl; continuous:
    study,mean_int,sd_int,n_int,mean_ctl,sd_ctl,n_ctl). Ratio measures are reported exponentiated, with
    log_estimate and se on the log scale."""
    result = analyse(file, measure, method, hartung_knapp, prediction)
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
@click.option("--favours-left", default="Favours intervention", show_default=True,
              help="Label under the left of the axis (swap with --favours-right for a desirable outcome).")
@click.option("--favours-right", default="Favours control", show_default=True, help="Label under the right of the axis.")
@click.option("--title", default="", help="Title above the plot.")
def forest_csv(file: Path, measure: str, method: str, hartung_knapp: bool, prediction: str, output: Path,
               intervention: str, control: str, favours_left: str, favours_right: str, title: str) -> None:
    """Write a RevMan-style forest plot (SVG) of the studies in FILE.csv."""
    from .forest import forest_svg  # matplotlib is loaded only for plots

    result = analyse(file, measure, method, hartung_knapp, prediction)
    svg = forest_svg(result, labels={"intervention": intervention, "control": control, "favours_left": favours_left,
                                     "favours_right": favours_right, "title": title})
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
