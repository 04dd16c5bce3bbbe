"""An oracle for the site's counts, independent of serving_counts.sql: the counted-once rule read from the
README (curation rule 6: a record with same_result_as is counted once, at the record it names) and the
roll-up of narrower conditions into broader ones read from data/vocabulary/condition.yaml's parent:."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Iterable

import yaml

from tests.conftest import ROOT, query


@lru_cache(maxsize=None)
def parents() -> dict[str, str]:
    terms = yaml.safe_load((ROOT / "data" / "vocabulary" / "condition.yaml").read_text(encoding="utf-8"))
    return {term: attributes["parent"] for term, attributes in terms.items() if attributes.get("parent")}


def ancestors(condition: str) -> list[str]:
    """The condition and every broader condition above it."""
    found = [condition]
    while found[-1] in parents():
        found.append(parents()[found[-1]])
    return found


def rolled_up(counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Counts per condition, each added to the condition's broader conditions too."""
    total: Counter = Counter()
    for condition, n in counts:
        for a in ancestors(condition):
            total[a] += n
    return dict(total)


def counted_per_condition(db, table: str = "findings", where: str = "1") -> dict[str, int]:
    """Records of ``table`` counted once per condition, narrower conditions rolled up."""
    return rolled_up(query(db, f"select condition, count(*) from {table} where same_result_as is null and {where} "
                               "group by condition"))


def sources_per_condition(db) -> dict[str, int]:
    """Sources per condition they cover, a source counted once under each broader condition."""
    total: Counter = Counter()
    for (conditions,) in query(db, "select conditions from sources"):
        for a in {a for c in yaml.safe_load(conditions or "[]") for a in ancestors(c)}:
            total[a] += 1
    return dict(total)
