-- Full-text search (porter stemming) for Datasette's search box: external-content FTS5 tables
-- whose `content="…"` lets Datasette detect them for their base table.
CREATE VIRTUAL TABLE findings_fts USING fts5(
    statement, population, intervention, comparator, outcome,
    content="findings", tokenize="porter unicode61"
);
INSERT INTO findings_fts (rowid, statement, population, intervention, comparator, outcome)
    SELECT rowid, statement, population, intervention, comparator, outcome FROM findings;

CREATE VIRTUAL TABLE sources_fts USING fts5(
    label, title, authors, note,
    content="sources", tokenize="porter unicode61"
);
INSERT INTO sources_fts (rowid, label, title, authors, note)
    SELECT rowid, label, title, authors, note FROM sources;

CREATE VIRTUAL TABLE economic_evaluations_fts USING fts5(
    statement, intervention, comparator,
    content="economic_evaluations", tokenize="porter unicode61"
);
INSERT INTO economic_evaluations_fts (rowid, statement, intervention, comparator)
    SELECT rowid, statement, intervention, comparator FROM economic_evaluations;
