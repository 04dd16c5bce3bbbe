"""Forest plots of the findings in a built database: the study rows pooled again as the build pooled them
(same inputs, same bytes), for `evidence forest` and the finding page."""

from __future__ import annotations

import sqlite3

from ..problems import EvidenceError
from ..read import records
from .findings import DEFAULT_METHOD, STUDY_COLUMNS

STUDIES = "select * from study_results where finding_id = ? order by position"
FINDING = ("select f.effect_measure, f.pooling_method, f.intervention, f.comparator, v.desirable from findings f "
           "left join vocabulary v on v.kind = 'outcome' and v.id = f.outcome where f.id = ?")


def finding_forest(conn: sqlite3.Connection, finding_id: str) -> str:
    from . import pool_studies
    from .forest import favours, forest_svg

    finding = records(conn, FINDING, (finding_id,))
    if not finding:
        raise EvidenceError(f"no finding '{finding_id}'")
    studies = [{name: s[column] for name, column in STUDY_COLUMNS.items() if s[column] is not None}
               for s in records(conn, STUDIES, (finding_id,))]
    if not studies:
        raise EvidenceError(f"{finding_id} has no study-level results to plot")
    f = finding[0]
    try:
        result = pool_studies(studies, f["effect_measure"], f["pooling_method"] or DEFAULT_METHOD)
    except (ValueError, ArithmeticError) as e:  # a page says so (404 with the reason), never a 500
        raise EvidenceError(f"{finding_id}: cannot pool its studies: {e}") from None
    return forest_svg(result, labels={"intervention": "Intervention", "control": f["comparator"] or "Control",
                                      **favours(f["desirable"])})
