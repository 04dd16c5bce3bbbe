"""Forest plots of the findings in a built database: the study rows pooled again as the build pooled them
(same inputs, same bytes), for `evidence forest` and the finding page."""

from __future__ import annotations

import sqlite3

from ..problems import EvidenceError
from ..read import records
from .findings import DEFAULT_METHOD, STUDY_COLUMNS

STUDIES = "select * from study_results where finding_id = ? order by position"
FINDING = "select effect_measure, pooling_method, intervention, comparator from findings where id = ?"


def finding_forest(conn: sqlite3.Connection, finding_id: str) -> str:
    from . import pool_studies
    from .forest import forest_svg

    finding = records(conn, FINDING, (finding_id,))
    if not finding:
        raise EvidenceError(f"no finding '{finding_id}'")
    studies = [{c: s[c] for c in STUDY_COLUMNS if s[c] is not None} for s in records(conn, STUDIES, (finding_id,))]
    if not studies:
        raise EvidenceError(f"{finding_id} has no study-level results to plot")
    f = finding[0]
    result = pool_studies(studies, f["effect_measure"], f["pooling_method"] or DEFAULT_METHOD)
    return forest_svg(result, labels={"intervention": "Intervention", "control": f["comparator"] or "Control"})
