-- Counts every visitor of the site asks for, derived once after the rows are in (evidence/build.py runs
-- this file in AFTER_INSERT) instead of on every request: at a million findings each is a pass over the
-- findings that a page cannot afford. Each table is one GROUP BY; the file can be re-run on a finished
-- database (an incremental build re-derives them after applying its changes). metadata.yml hides the
-- tables and describes them; evidence/site/serving_counts.py names them for the benchmark and the tests.

-- The condition page lists each comparison's most certain findings first, a few per comparison: this
-- index finds them without reading the condition's other findings (condition_findings.sql).
-- Its last two columns make it cover finding_counts below, which reads it instead of the table.
CREATE INDEX IF NOT EXISTS ix_findings_comparison
    ON findings (condition, intervention_type, certainty_rank DESC, outcome, id, source_status, certainty)
    WHERE same_result_as IS NULL;

-- The facet counts of the unfiltered table pages (metadata.yml's facets), which
-- evidence/site/precomputed_facets.py serves instead of counting the whole table: a column facet
-- counts the rows with each value; an array facet the rows whose list holds the value.
DROP TABLE IF EXISTS facet_counts;
CREATE TABLE facet_counts AS
SELECT 'findings' AS table_name, 'condition' AS column_name, condition AS value, count(*) AS count
    FROM findings WHERE condition IS NOT NULL GROUP BY condition
UNION ALL SELECT 'findings', 'certainty', certainty, count(*)
    FROM findings WHERE certainty IS NOT NULL GROUP BY certainty
UNION ALL SELECT 'findings', 'intervention_type', intervention_type, count(*)
    FROM findings WHERE intervention_type IS NOT NULL GROUP BY intervention_type
UNION ALL SELECT 'findings', 'outcome', outcome, count(*)
    FROM findings WHERE outcome IS NOT NULL GROUP BY outcome
UNION ALL SELECT 'findings', 'source_design', source_design, count(*)
    FROM findings WHERE source_design IS NOT NULL GROUP BY source_design
UNION ALL SELECT 'economic_evaluations', 'condition', condition, count(*)
    FROM economic_evaluations WHERE condition IS NOT NULL GROUP BY condition
UNION ALL SELECT 'economic_evaluations', 'conclusion', conclusion, count(*)
    FROM economic_evaluations WHERE conclusion IS NOT NULL GROUP BY conclusion
UNION ALL SELECT 'economic_evaluations', 'perspective', perspective, count(*)
    FROM economic_evaluations WHERE perspective IS NOT NULL GROUP BY perspective
UNION ALL SELECT 'sources', 'design', design, count(*)
    FROM sources WHERE design IS NOT NULL GROUP BY design
UNION ALL SELECT 'sources', 'status', status, count(*)
    FROM sources WHERE status IS NOT NULL GROUP BY status
UNION ALL SELECT 'sources', 'conditions', j.value, count(DISTINCT s.rowid)
    FROM sources s, json_each(s.conditions) j GROUP BY j.value
UNION ALL SELECT 'sources', 'intervention_types', j.value, count(DISTINCT s.rowid)
    FROM sources s, json_each(s.intervention_types) j GROUP BY j.value;

-- Findings per condition × intervention type, a result read in two documents counted once: the gap
-- map's cells (best_rank: the highest certainty among findings whose source counts in overviews), the
-- condition page's comparisons (top_rank: the highest certainty of any) and the front page's counts.
DROP TABLE IF EXISTS finding_counts;
CREATE TABLE finding_counts AS
SELECT f.condition, f.intervention_type, count(*) AS findings, count(f.certainty) AS graded,
    max(CASE WHEN status.in_overviews THEN certainty.rank END) AS best_rank,
    max(f.certainty_rank) AS top_rank
FROM findings f
JOIN vocabulary status ON status.kind = 'status' AND status.id = f.source_status
LEFT JOIN vocabulary certainty ON certainty.kind = 'certainty' AND certainty.id = f.certainty
WHERE f.same_result_as IS NULL
GROUP BY f.condition, f.intervention_type;

-- What the database holds per condition (the front page): findings and GRADE-rated findings (from
-- finding_counts), economic evaluations (a result read in two documents counted once) and sources.
DROP TABLE IF EXISTS condition_counts;
CREATE TABLE condition_counts AS
SELECT c.id AS condition,
    coalesce((SELECT sum(n.findings) FROM finding_counts n WHERE n.condition = c.id), 0) AS findings,
    coalesce((SELECT sum(n.graded) FROM finding_counts n WHERE n.condition = c.id), 0) AS graded,
    coalesce(e.economic_evaluations, 0) AS economic_evaluations,
    coalesce(s.sources, 0) AS sources
FROM conditions c
LEFT JOIN (SELECT condition, count(*) AS economic_evaluations FROM economic_evaluations
           WHERE same_result_as IS NULL GROUP BY condition) e ON e.condition = c.id
LEFT JOIN (SELECT j.value AS condition, count(*) AS sources FROM sources s, json_each(s.conditions) j
           GROUP BY j.value) s ON s.condition = c.id;

-- How many findings and economic evaluations quote each document (the front page's documents).
DROP TABLE IF EXISTS document_counts;
CREATE TABLE document_counts AS
SELECT source_document AS document, count(*) AS records
FROM (SELECT source_document FROM findings UNION ALL SELECT source_document FROM economic_evaluations)
WHERE source_document IS NOT NULL
GROUP BY source_document;

-- What changed since the previous build, per table and kind of change (the front page): a first build
-- records every record as added.
DROP TABLE IF EXISTS change_counts;
CREATE TABLE change_counts AS
SELECT table_name, change, count(DISTINCT record_id) AS records
FROM changes
GROUP BY table_name, change;


-- ... and its searched-for-but-nothing-found findings, which are few, from an index of their own.
CREATE INDEX IF NOT EXISTS ix_findings_no_evidence
    ON findings (condition, intervention_type, outcome, id) WHERE direction = 'no_evidence' AND same_result_as IS NULL;

-- Planner statistics for the two indexes (the build's ANALYZE runs after this file too).
ANALYZE ix_findings_comparison;
ANALYZE ix_findings_no_evidence;
