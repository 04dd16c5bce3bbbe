"""The serving counts (evidence/sql/serving_counts.sql) kept up to date by difference, for a plan applied to
a copy of the previous database: what the rows of the sources it replaces added to each count is taken
off (``before``, read before the rows change), what their new rows add is put on (``after``), and each
table is written again in the order a full build writes it. Every count follows from the rows of the
sources the plan names, as a full build counts them: a count is a sum over records, each record is
counted once at its own row (same_result_as is the record's own column; a finding's source status and
design are copied into it), and the vocabulary and conditions do not change (a change there builds in
full). A full build still runs serving_counts.sql; tests/test_incremental_counts.py holds the two equal.

- facet_counts, document_counts, condition_counts' sources and economic evaluations: sums, by difference;
- finding_counts: its highest certainties are not sums: each (condition, intervention type) with a
  counted finding of those sources, before or after, is counted again from its findings (the index
  ix_findings_comparison reads just them);
- condition_counts' findings and graded: summed again from finding_counts (a row per condition, updated
  in place: the conditions do not change);
- change_counts: counted again from ``changes``, which holds this build's changes only.

The planner statistics of the two indexes are kept from the previous build, as the build's ANALYZE is.
"""

from __future__ import annotations

import sqlite3

SCOPE = "(select id from temp.counted_scope)"  # the sources whose rows change

# facet_counts, in the order serving_counts.sql writes it: (table_name, column_name, what is counted
# per value, from where). Each is counted over the rows of the sources in SCOPE.
FACETS = (
    ("findings", "condition", "l.ancestor", "count(*)",
     f"counted_findings f join condition_lineage l on l.condition = f.condition where f.source_id in {SCOPE}"),
    *(("findings", column, column, "count(*)",
       f"counted_findings where {column} is not null and source_id in {SCOPE}")
      for column in ("certainty", "intervention_type", "outcome", "source_design")),
    ("economic_evaluations", "condition", "l.ancestor", "count(*)",
     f"counted_economic_evaluations e join condition_lineage l on l.condition = e.condition where e.source_id in {SCOPE}"),
    *(("economic_evaluations", column, column, "count(*)",
       f"counted_economic_evaluations where {column} is not null and source_id in {SCOPE}")
      for column in ("conclusion", "perspective")),
    *(("sources", column, column, "count(*)", f"sources where {column} is not null and id in {SCOPE}")
      for column in ("design", "status")),
    *(("sources", column, "j.value", "count(distinct s.rowid)", f"sources s, json_each(s.{column}) j where s.id in {SCOPE}")
      for column in ("conditions", "intervention_types")),
)
BRANCH = "case " + " ".join(f"when table_name = '{t}' and column_name = '{c}' then {i}"
                            for i, (t, c, *_) in enumerate(FACETS)) + " end"

# What the rows of the sources in SCOPE add: (temp table, its query).
PARTS = (
    ("counted_facets", " union all ".join(
        f"select '{t}' as table_name, '{c}' as column_name, {value} as value, {count} as count from {source} group by {value}"
        for t, c, value, count, source in FACETS)),
    ("counted_documents", "select source_document as document, count(*) as records from (select source_document from "
                          f"findings where source_id in {SCOPE} union all select source_document from economic_evaluations "
                          f"where source_id in {SCOPE}) where source_document is not null group by source_document"),
    ("counted_condition_sources", "select l.ancestor as condition, count(distinct s.rowid) as sources from sources s, "
                                  "json_each(s.conditions) j join condition_lineage l on l.condition = j.value "
                                  f"where s.id in {SCOPE} group by l.ancestor"),
    ("counted_groups", f"select distinct condition, intervention_type from counted_findings where source_id in {SCOPE}"),
)


def before(conn: sqlite3.Connection, sources: list[str]) -> None:
    """What the rows of ``sources`` add to each count now, before they change (in temporary tables)."""
    conn.execute("drop table if exists temp.counted_scope")
    conn.execute("create temp table counted_scope (id text primary key)")
    conn.executemany("insert or ignore into temp.counted_scope values (?)", [(s,) for s in sources])
    for name, query in PARTS:
        conn.execute(f"drop table if exists temp.{name}_before")
        conn.execute(f"create temp table {name}_before as {query}")


def after(conn: sqlite3.Connection) -> None:
    """Take off what ``before`` recorded, put on what the sources' rows add now, and write each table again
    in the order a full build writes it."""
    for name, query in PARTS:
        conn.execute(f"drop table if exists temp.{name}_after")
        conn.execute(f"create temp table {name}_after as {query}")
    rewrite(conn, "facet_counts", "table_name, column_name, value, count",
            "select table_name, column_name, value, sum(count) as count from ("
            "select table_name, column_name, value, count from main.facet_counts "
            "union all select table_name, column_name, value, count from temp.counted_facets_after "
            "union all select table_name, column_name, value, -count from temp.counted_facets_before) "
            f"group by table_name, column_name, value having sum(count) != 0 order by {BRANCH}, value")
    rewrite(conn, "document_counts", "document, records",
            "select document, sum(records) from (select document, records from main.document_counts "
            "union all select document, records from temp.counted_documents_after "
            "union all select document, -records from temp.counted_documents_before) "
            "group by document having sum(records) != 0 order by document")
    # finding_counts: the groups the sources had or have are counted again, from their findings only
    rewrite(conn, "finding_counts", "condition, intervention_type, findings, graded, best_rank, top_rank",
            "select * from (select * from main.finding_counts n where not exists (select 1 from temp.counted_groups_after g "
            "where g.condition = n.condition and g.intervention_type = n.intervention_type union all select 1 from "
            "temp.counted_groups_before g where g.condition = n.condition and g.intervention_type = n.intervention_type) "
            "union all select f.condition, f.intervention_type, count(*), count(f.certainty), "
            "max(case when f.in_overviews then certainty.rank end), max(f.certainty_rank) "
            "from (select condition, intervention_type from temp.counted_groups_after union "
            "select condition, intervention_type from temp.counted_groups_before) g "
            "join counted_findings f on f.condition = g.condition and f.intervention_type = g.intervention_type "
            "left join vocabulary certainty on certainty.kind = 'certainty' and certainty.id = f.certainty "
            "group by f.condition, f.intervention_type) order by condition, intervention_type")
    conn.execute(
        "update condition_counts set "
        "findings = coalesce((select sum(n.findings) from finding_counts n join condition_lineage l on l.condition = "
        "n.condition where l.ancestor = condition_counts.condition), 0), "
        "graded = coalesce((select sum(n.graded) from finding_counts n join condition_lineage l on l.condition = "
        "n.condition where l.ancestor = condition_counts.condition), 0), "
        "economic_evaluations = coalesce((select count from facet_counts where table_name = 'economic_evaluations' "
        "and column_name = 'condition' and value = condition_counts.condition), 0), "
        "sources = sources + coalesce((select sources from temp.counted_condition_sources_after a "
        "where a.condition = condition_counts.condition), 0) - coalesce((select sources from "
        "temp.counted_condition_sources_before b where b.condition = condition_counts.condition), 0)")
    rewrite(conn, "change_counts", "table_name, change, records",
            "select table_name, change, count(distinct record_id) from changes group by table_name, change "
            "order by table_name, change")
    for name, _ in PARTS:
        conn.execute(f"drop table temp.{name}_before")
        conn.execute(f"drop table temp.{name}_after")
    conn.execute("drop table temp.counted_scope")


def rewrite(conn: sqlite3.Connection, table: str, columns: str, query: str) -> None:
    """Replace the rows of ``table`` (its rowids from 1, as a table a full build creates) by ``query``'s."""
    rows = conn.execute(query).fetchall()
    conn.execute(f"delete from main.{table}")
    conn.executemany(f"insert into main.{table} ({columns}) values ({', '.join('?' * len(columns.split(',')))})", rows)
