-- Full-text search for the site's search page (/search) and Datasette's ?_search= on table pages.
--
-- Each index reads its text from a view (external content, content_rowid = the base table's rowid),
-- so the English text, the Dutch quotes and the terms' English and Dutch names (condition,
-- intervention type, outcome, design, …) are all searchable without a second copy of the text, and
-- FTS5's highlight() and snippet() can show the words that matched. metadata.yml names each index
-- for its table (fts_table, fts_pk: rowid). The tokenizer folds diacritics (patiënt = patient) and
-- stems English words; prefix indexes serve queries such as rehab*.

CREATE VIEW search_findings AS
SELECT f.rowid AS rid, f.statement, f.quote, f.population, f.intervention, f.comparator, f.timepoint,
    ifnull(c.name, '') || ' ' || ifnull(c.name_nl, '') || ' ' ||
    ifnull(t.name, '') || ' ' || ifnull(t.name_nl, '') || ' ' ||
    ifnull(o.name, '') || ' ' || ifnull(o.name_nl, '') || ' ' ||
    ifnull(s.label, '') AS terms
FROM findings f
LEFT JOIN vocabulary c ON c.kind = 'condition' AND c.id = f.condition
LEFT JOIN vocabulary t ON t.kind = 'intervention_type' AND t.id = f.intervention_type
LEFT JOIN vocabulary o ON o.kind = 'outcome' AND o.id = f.outcome
LEFT JOIN sources s ON s.id = f.source_id;

CREATE VIRTUAL TABLE findings_fts USING fts5(
    statement, quote, population, intervention, comparator, timepoint, terms,
    content="search_findings", content_rowid="rid",
    tokenize="porter unicode61 remove_diacritics 2", prefix="2 3"
);
INSERT INTO findings_fts (rowid, statement, quote, population, intervention, comparator, timepoint, terms)
    SELECT rid, statement, quote, population, intervention, comparator, timepoint, terms FROM search_findings;

CREATE VIEW search_sources AS
SELECT s.rowid AS rid, s.label, s.title, s.authors, s.journal, s.note,
    ifnull(d.name, '') || ' ' || ifnull(d.name_nl, '') || ' ' ||
    ifnull(st.name, '') || ' ' || ifnull(st.name_nl, '') || ' ' ||
    ifnull((SELECT group_concat(v.name || ' ' || v.name_nl, ' ') FROM json_each(s.conditions) j
            JOIN vocabulary v ON v.kind = 'condition' AND v.id = j.value), '') || ' ' ||
    ifnull((SELECT group_concat(v.name || ' ' || v.name_nl, ' ') FROM json_each(s.intervention_types) j
            JOIN vocabulary v ON v.kind = 'intervention_type' AND v.id = j.value), '') AS terms
FROM sources s
LEFT JOIN vocabulary d ON d.kind = 'design' AND d.id = s.design
LEFT JOIN vocabulary st ON st.kind = 'status' AND st.id = s.status;

CREATE VIRTUAL TABLE sources_fts USING fts5(
    label, title, authors, journal, note, terms,
    content="search_sources", content_rowid="rid",
    tokenize="porter unicode61 remove_diacritics 2", prefix="2 3"
);
INSERT INTO sources_fts (rowid, label, title, authors, journal, note, terms)
    SELECT rid, label, title, authors, journal, note, terms FROM search_sources;

CREATE VIEW search_economic_evaluations AS
SELECT e.rowid AS rid, e.statement, e.quote, e.intervention, e.comparator, e.note,
    ifnull(c.name, '') || ' ' || ifnull(c.name_nl, '') || ' ' ||
    ifnull(t.name, '') || ' ' || ifnull(t.name_nl, '') || ' ' ||
    ifnull(k.name, '') || ' ' || ifnull(k.name_nl, '') || ' ' ||
    ifnull(m.name, '') || ' ' || ifnull(m.name_nl, '') || ' ' ||
    ifnull(s.label, '') AS terms
FROM economic_evaluations e
LEFT JOIN vocabulary c ON c.kind = 'condition' AND c.id = e.condition
LEFT JOIN vocabulary t ON t.kind = 'intervention_type' AND t.id = e.intervention_type
LEFT JOIN vocabulary k ON k.kind = 'economic_conclusion' AND k.id = e.conclusion
LEFT JOIN vocabulary m ON m.kind = 'economic_measure' AND m.id = e.measure
LEFT JOIN sources s ON s.id = e.source_id;

CREATE VIRTUAL TABLE economic_evaluations_fts USING fts5(
    statement, quote, intervention, comparator, note, terms,
    content="search_economic_evaluations", content_rowid="rid",
    tokenize="porter unicode61 remove_diacritics 2", prefix="2 3"
);
INSERT INTO economic_evaluations_fts (rowid, statement, quote, intervention, comparator, note, terms)
    SELECT rid, statement, quote, intervention, comparator, note, terms FROM search_economic_evaluations;

CREATE VIEW search_recommendations AS
SELECT r.rowid AS rid, r.text, r.text_en, r.note,
    ifnull(a.name, '') || ' ' || ifnull(a.name_nl, '') || ' ' ||
    ifnull(q.module, '') || ' ' || ifnull(q.module_en, '') AS terms
FROM recommendations r
LEFT JOIN vocabulary a ON a.kind = 'audience' AND a.id = r.audience
LEFT JOIN questions q ON q.id = r.question_id;

CREATE VIRTUAL TABLE recommendations_fts USING fts5(
    text, text_en, note, terms,
    content="search_recommendations", content_rowid="rid",
    tokenize="porter unicode61 remove_diacritics 2", prefix="2 3"
);
INSERT INTO recommendations_fts (rowid, text, text_en, note, terms)
    SELECT rid, text, text_en, note, terms FROM search_recommendations;

CREATE VIEW search_considerations AS
SELECT c.rowid AS rid, c.quote, c.summary_en, c.note,
    ifnull(v.name, '') || ' ' || ifnull(v.name_nl, '') || ' ' ||
    ifnull(q.module, '') || ' ' || ifnull(q.module_en, '') AS terms
FROM considerations c
LEFT JOIN vocabulary v ON v.kind = 'criterion' AND v.id = c.criterion
LEFT JOIN questions q ON q.id = c.question_id;

CREATE VIRTUAL TABLE considerations_fts USING fts5(
    quote, summary_en, note, terms,
    content="search_considerations", content_rowid="rid",
    tokenize="porter unicode61 remove_diacritics 2", prefix="2 3"
);
INSERT INTO considerations_fts (rowid, quote, summary_en, note, terms)
    SELECT rid, quote, summary_en, note, terms FROM search_considerations;
