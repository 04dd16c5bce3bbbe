"""Meta-analysis (pooling) engine, checked against metafor's published results (tests/test_synthesis_*).

Modules, one concern each:

* :mod:`.effects`  — per-study effect sizes and sampling variances (RR, OR, RD, MD, SMD, generic);
* :mod:`.tau2`     — between-study variance estimators (DL, REML, PM);
* :mod:`.mh`       — Mantel–Haenszel pooling of 2×2 tables;
* :mod:`.pooling`  — FE / random effects / MH pooling, Hartung–Knapp, heterogeneity, prediction intervals;
* :mod:`.absolute` — GRADE anticipated absolute effects and MD/SMD wording;
* :mod:`.csvinput` — reading a study CSV for the command line (FILE:LINE problems);
* :mod:`.revman`   — one analysis of a Cochrane data package's data-rows CSV;
* :mod:`.forest`   — RevMan-style forest plot as deterministic SVG;
* :mod:`.cli`      — the ``pool``, ``forest-csv``, ``forest`` and ``import-studies`` click commands.

For the build: ``pool_studies(studies, measure, method)`` takes study dicts as in the YAML (``label`` plus
``events_int, n_int, events_ctl, n_ctl``; or ``mean_int, sd_int, n_int, mean_ctl, sd_ctl, n_ctl``; or
``estimate`` with ``ci_lower``/``ci_upper`` or ``se``) and returns a :class:`PoolResult` whose ``studies``
are the per-study rows.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from .pooling import PoolResult

__all__ = ["pool_studies"]


def pool_studies(studies: Sequence[Mapping[str, Any]], measure: str, method: str = "REML",
                 hartung_knapp: bool = False, prediction: str = "z") -> "PoolResult":
    """Study dicts → pooled result (per-study rows in ``.studies``, left-out studies in ``.excluded``).

    Raises ValueError with a readable message (naming the study) on bad input.
    """
    from .effects import compute_effects  # numpy and scipy load when something is pooled
    from .pooling import pool

    return pool(compute_effects(studies, measure), method, hartung_knapp=hartung_knapp, prediction=prediction)
