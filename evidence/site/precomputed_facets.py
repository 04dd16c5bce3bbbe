"""The configured column facets of a table page, counted in one pass, or read from the build's counts.

Datasette 0.65 counts each facet with a query of its own over the page's rows. Here the facets that
metadata.yml configures for a table are counted together by one GROUP BY over the rows (one pass
instead of five over a search's matches or a filter's range), and on the unfiltered table page not
at all: they are read from ``facet_counts``, which evidence/sql/serving_counts.sql derives at build.
A facet asked for in the address (``?_facet=direction``) is counted by Datasette as before, and so is
a configured facet that the build did not count. Results, time-outs and JSON are Datasette's own.
table_pages.py puts this class in the place of Datasette's ColumnFacet.
"""

from __future__ import annotations

from collections import Counter

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from ..titles import tables

COUNTS_TABLE = "facet_counts"  # table_name, column_name, value, count
# Tables whose rows are counted once (serving_counts.sql's views counted_<table>: a result read in two
# documents counts at the record the others name), and whose condition facet rolls narrower conditions up
# into their broader ones (the view condition_lineage); a broader condition's link selects them all.
COUNTED = tables("counted")  # evidence/titles.py
ROLLED_UP = "condition"


class CountedColumnFacet(ColumnFacet):
    def _column(self, config: dict) -> str:
        return config["config"].get("column") or config["config"]["simple"]

    def get_configs(self):
        """The facets Datasette counts itself: those asked for in the address."""
        return [c for c in super().get_configs() if c["source"] != "metadata" or self._column(c).startswith("_")]

    def configured(self) -> list[str]:
        return [self._column(c) for c in ColumnFacet.get_configs(self)
                if c["source"] == "metadata" and not self._column(c).startswith("_")]

    def unfiltered(self) -> bool:
        return bool(self.table) and not self.params and self.sql.endswith(f" from {escape_sqlite(self.table)} ")

    async def precomputed(self, columns: list[str]) -> dict[str, list[tuple]]:
        db = self.ds.get_database(self.database)
        if not await db.table_exists(COUNTS_TABLE):
            return {}
        rows = await db.execute(f"select column_name, value, count from {COUNTS_TABLE} where table_name = ? "
                                "order by count desc, value", [self.table])
        counted: dict[str, list[tuple]] = {}
        for row in rows.rows:
            if row["column_name"] in columns:
                counted.setdefault(row["column_name"], []).append((row["value"], row["count"]))
        return counted

    async def lineage(self) -> dict[str, list[str]]:
        """Each condition's broader conditions, itself first; empty where the view is not there."""
        db = self.ds.get_database(self.database)
        if self.table not in COUNTED or "condition_lineage" not in await db.view_names():
            return {}
        found: dict[str, list[str]] = {}
        for row in (await db.execute("select condition, ancestor from condition_lineage")).rows:
            found.setdefault(row[0], []).append(row[1])
        return found

    async def one_pass(self, columns: list[str]) -> dict[str, list[tuple]]:
        """Every column's counts from one GROUP BY over the page's rows (those counted once, where the
        table has a counted_ view), a condition's counts added to its broader conditions'."""
        names = ", ".join(escape_sqlite(c) for c in columns)
        # a lookup by id for each of the page's rows, not a list of every counted id built for each page
        counted = (f" as page where exists (select 1 from counted_{self.table} c where c.id = page.id)"
                   if self.table in COUNTED and f"counted_{self.table}" in await self.ds.get_database(self.database).view_names()
                   else "")
        rows = await self.ds.execute(self.database, f"select {names}, count(*) from ({self.sql}){counted} group by {names}",
                                     self.params, truncate=False,
                                     custom_time_limit=self.ds.setting("facet_time_limit_ms"))
        lineage = await self.lineage() if ROLLED_UP in columns else {}
        totals = {c: Counter() for c in columns}
        for row in rows.rows:
            for i, column in enumerate(columns):
                if row[i] is not None:
                    for value in (lineage.get(row[i]) or [row[i]]) if column == ROLLED_UP else [row[i]]:
                        totals[column][value] += row[-1]
        return {c: sorted(t.items(), key=lambda vc: (-vc[1], isinstance(vc[0], (str, bytes)), vc[0]))
                for c, t in totals.items()}

    async def result(self, column: str, counts: list[tuple], pairs: list, narrower: dict) -> dict:
        size = self.get_facet_size()
        shown = counts[:size]
        expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, [v for v, _ in shown])
        values = []
        for value, count in shown:
            # a broader condition selects itself and its narrower ones (condition__in=…), as its count holds them
            key, arg = ((f"{column}__in", ",".join(narrower[value])) if column == ROLLED_UP and len(narrower.get(value, ())) > 1
                        else (column, str(value)))
            selected = (key, arg) in pairs
            path = (path_with_removed_args(self.request, {key: arg}) if selected
                    else path_with_added_args(self.request, {key: arg}))
            values.append({"value": value, "label": expanded.get((column, value), value), "count": count,
                           "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                           "selected": selected})
        return {"name": column, "type": self.type, "hideable": False,
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": values, "truncated": len(counts) > size}

    async def facet_results(self):
        results, timed_out = await super().facet_results()  # the facets asked for in the address
        columns = self.configured()
        counted = await self.precomputed(columns) if self.unfiltered() else {}
        rest = [c for c in columns if c not in counted]
        if rest:
            try:
                counted.update(await self.one_pass(rest))
            except QueryInterrupted:
                timed_out.extend(rest)
        pairs = self.get_querystring_pairs()
        narrower: dict[str, list[str]] = {}
        for condition, ancestors in (await self.lineage() if ROLLED_UP in counted else {}).items():
            for ancestor in ancestors:
                narrower.setdefault(ancestor, []).append(condition)
        for values in narrower.values():
            values.sort()
        mine = [await self.result(c, counted[c], pairs, narrower) for c in columns if c in counted]
        return mine + results, timed_out

