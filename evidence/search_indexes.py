"""The full-text search indexes, declared once: the build's SQL (``script()``, run as the AFTER_INSERT
script "fts"), the site's search page (evidence/site/search_page.py) and the incremental build's index
updates (incremental.SEARCHED) all read ``INDEXES``.

Each index reads its text from a view (external content, content_rowid = the base table's rowid), so
the English text, the Dutch quotes and the terms' names in every language, with their synonyms
(``synonyms:`` of a vocabulary term), are searchable without a second copy of the text, and FTS5's
highlight() and snippet() can show the words that matched. metadata.yml names each index for its table
(fts_table, fts_pk: rowid). One tokenizer for all: it folds diacritics (patiënt = patient) and stems
English words; prefix indexes serve queries such as rehab*.

Words written with a hyphen are found without it too: the last column (``terms``) also holds every
hyphenated word of the row joined up (re-integratie -> reintegratie, burn-out -> burnout), so
``reintegratie`` finds what ``re-integratie`` finds. (A query with a hyphen is a phrase of its parts.)
"""

from __future__ import annotations

from dataclasses import dataclass

from .languages import name_columns

TOKENIZER = "porter unicode61 remove_diacritics 2"
PREFIX = "2 3"


@dataclass(frozen=True)
class Term:
    """A vocabulary term the record names, whose names and synonyms are indexed."""

    alias: str
    kind: str
    column: str  # the record's column holding the term id
    many: bool = False  # a JSON list of term ids (sources.conditions)


@dataclass(frozen=True)
class Index:
    table: str  # the base table; the index is <table>_fts, its view search_<table>
    alias: str
    columns: tuple[str, ...]  # the record's own text, highlighted on the search page (in this order)
    terms: tuple[Term, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # (LEFT JOIN clause, text expression) added to the terms
    source_key: str | None = None  # the column naming a record's source: the incremental build re-indexes by it

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    @property
    def view(self) -> str:
        return f"search_{self.table}"

    @property
    def indexed(self) -> tuple[str, ...]:
        """The index's columns, in order; the last one (terms) is not shown."""
        return (*self.columns, "terms")


INDEXES = (
    Index("findings", "f", ("statement", "quote", "population", "intervention", "comparator", "timepoint"),
          (Term("c", "condition", "condition"), Term("t", "intervention_type", "intervention_type"),
           Term("o", "outcome", "outcome")),
          (("LEFT JOIN sources s ON s.id = f.source_id", "s.label"),), source_key="source_id"),
    Index("recommendations", "r", ("text", "text_en", "note"), (Term("a", "audience", "audience"),),
          (("LEFT JOIN questions q ON q.id = r.question_id", "q.module"), ("", "q.module_en"))),
    Index("considerations", "c", ("quote", "summary_en", "note"), (Term("v", "criterion", "criterion"),),
          (("LEFT JOIN questions q ON q.id = c.question_id", "q.module"), ("", "q.module_en"))),
    Index("economic_evaluations", "e", ("statement", "quote", "intervention", "comparator", "note"),
          (Term("c", "condition", "condition"), Term("t", "intervention_type", "intervention_type"),
           Term("k", "economic_conclusion", "conclusion"), Term("m", "economic_measure", "measure")),
          (("LEFT JOIN sources s ON s.id = e.source_id", "s.label"),), source_key="source_id"),
    Index("sources", "s", ("label", "title", "authors", "journal", "note"),
          (Term("d", "design", "design"), Term("st", "status", "status"),
           Term("cs", "condition", "conditions", many=True), Term("ts", "intervention_type", "intervention_types", many=True)),
          source_key="id"),
)
BY_TABLE = {index.table: index for index in INDEXES}


def names(alias: str) -> str:
    """Every name of a term (one per language) and its synonyms, as one text."""
    return " || ' ' || ".join(f"ifnull({alias}.{column}, '')"
                              for column in (*name_columns(), "synonyms"))  # evidence/languages/


def joined_hyphenated(text: str) -> str:
    """The hyphenated words of ``text`` with their hyphens taken out (space-separated), or NULL: the text
    split at spaces as a JSON array (quotes, backslashes and line breaks made spaces first)."""
    cleaned = text
    for char in ("'\\'", "'\"'", "char(10)", "char(13)", "char(9)"):
        cleaned = f"replace({cleaned}, {char}, ' ')"
    array = f"'[\"' || replace({cleaned}, ' ', '\",\"') || '\"]'"
    # only a text with a hyphen is split: the split is what costs (the findings' index built in 9.7 s instead
    # of 6.2 s at 195,000 findings)
    return (f"(SELECT group_concat(replace(j.value, '-', ''), ' ') FROM (SELECT {array} AS words "
            f"WHERE instr({text}, '-')) w, "
            "json_each(CASE WHEN json_valid(w.words) THEN w.words ELSE '[]' END) j WHERE j.value GLOB '*[^-]-[^-]*')")


def view_sql(index: Index) -> str:
    a = index.alias
    joins, parts = [], []
    for term in index.terms:
        if term.many:
            parts.append(f"ifnull((SELECT group_concat({names(term.alias)}, ' ') FROM json_each({a}.{term.column}) j "
                         f"JOIN vocabulary {term.alias} ON {term.alias}.kind = '{term.kind}' AND {term.alias}.id = j.value), '')")
        else:
            joins.append(f"LEFT JOIN vocabulary {term.alias} ON {term.alias}.kind = '{term.kind}' "
                         f"AND {term.alias}.id = {a}.{term.column}")
            parts.append(names(term.alias))
    for join, expression in index.extra:
        if join:
            joins.append(join)
        parts.append(f"ifnull({expression}, '')")
    names_text = " || ' ' || ".join(parts)
    own_text = " || ' ' || ".join(f"ifnull({a}.{c}, '')" for c in index.columns)
    # the names' hyphenated words joined by replace() (names are short), the record's own by joined_hyphenated()
    terms = f"{names_text} || ' ' || replace({names_text}, '-', '') || ' ' || ifnull({joined_hyphenated(own_text)}, '')"
    columns = ", ".join(f"{a}.{c}" for c in index.columns)
    return (f"CREATE VIEW {index.view} AS\nSELECT {a}.rowid AS rid, {columns},\n    {terms} AS terms\n"
            f"FROM {index.table} {a}\n" + "\n".join(joins) + ";\n")


def index_sql(index: Index) -> str:
    columns = ", ".join(index.indexed)
    return (f"CREATE VIRTUAL TABLE {index.fts} USING fts5(\n    {columns},\n"
            f"    content=\"{index.view}\", content_rowid=\"rid\",\n"
            f"    tokenize=\"{TOKENIZER}\", prefix=\"{PREFIX}\"\n);\n"
            f"INSERT INTO {index.fts} (rowid, {columns})\n    SELECT rid, {columns} FROM {index.view};\n")


def script() -> str:
    """The SQL that creates every view and index and fills the indexes (the build runs it once the rows are in)."""
    return "\n".join(view_sql(index) + index_sql(index) for index in INDEXES)
