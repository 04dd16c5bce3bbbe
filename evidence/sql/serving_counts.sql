-- Counts every visitor of the site asks for, derived once after the rows are in (evidence/build.py runs
-- this file in AFTER_INSERT) instead of on every request: at a million findings each is a pass over the
-- findings that a page cannot afford. Each table is one GROUP BY; the file can be re-run on a finished
-- database. An incremental build does not re-run it: it keeps these tables by difference, in the same
-- rows and order (evidence/pipeline/counts.py; tests/test_incremental_counts.py holds the two equal). metadata.yml hides the
-- tables and describes them; evidence/site/serving_counts.py names them for the benchmark and the tests.

-- The one rule for counting: a result read in two documents is counted once, at the record the others
-- name in same_result_as (README, curation rule 6). Every count the site shows reads these two views —
-- the front page, the facets, the gap map, the condition pages, the ready-made queries — and
-- in_overviews (from the source's status) says whether a finding counts towards "best certainty".
DROP VIEW IF EXISTS counted_findings;
CREATE VIEW counted_findings AS
SELECT f.rowid AS rid, f.*, (SELECT status.in_overviews FROM vocabulary status WHERE status.kind = 'status'
             AND status.id = f.source_status) AS in_overviews
FROM findings f
WHERE f.same_result_as IS NULL;

DROP VIEW IF EXISTS counted_economic_evaluations;
CREATE VIEW counted_economic_evaluations AS
SELECT e.rowid AS rid, e.* FROM economic_evaluations e WHERE e.same_result_as IS NULL;

-- Each condition with itself and every broader condition above it (data/vocabulary/condition.yaml's
-- parent:): a parent's counts hold its narrower conditions' (rheumatoid arthritis counts towards
-- inflammatory arthritis and towards rheumatic and musculoskeletal diseases).
DROP VIEW IF EXISTS condition_lineage;
CREATE VIEW condition_lineage AS
WITH RECURSIVE up(condition, ancestor) AS (
    SELECT id, id FROM conditions
    UNION
    SELECT up.condition, c.parent FROM up JOIN conditions c ON c.id = up.ancestor WHERE c.parent IS NOT NULL
)
SELECT condition, ancestor FROM up;

-- The condition page lists each comparison's most certain findings first, a few per comparison: this
-- index finds them without reading the condition's other findings (condition_findings.sql).
-- Its last two columns make it cover finding_counts below, which reads it instead of the table.
CREATE INDEX IF NOT EXISTS ix_findings_comparison
    ON findings (condition, intervention_type, certainty_rank DESC, outcome, id, source_status, certainty)
    WHERE same_result_as IS NULL;

-- The facet counts of the unfiltered table pages (metadata.yml's facets), which
-- evidence/site/precomputed_facets.py serves instead of counting the whole table: a column facet
-- counts the rows with each value (findings and evaluations counted once, a condition's count holding its
-- narrower conditions', as the facet's link selects them all); an array facet the rows whose list holds
-- the value (the term itself: its filter, conditions__arraycontains, selects one term).
DROP TABLE IF EXISTS facet_counts;
CREATE TABLE facet_counts AS
SELECT 'findings' AS table_name, 'condition' AS column_name, l.ancestor AS value, count(*) AS count
    FROM counted_findings f JOIN condition_lineage l ON l.condition = f.condition GROUP BY l.ancestor
UNION ALL SELECT 'findings', 'certainty', certainty, count(*)
    FROM counted_findings WHERE certainty IS NOT NULL GROUP BY certainty
UNION ALL SELECT 'findings', 'intervention_type', intervention_type, count(*)
    FROM counted_findings WHERE intervention_type IS NOT NULL GROUP BY intervention_type
UNION ALL SELECT 'findings', 'outcome', outcome, count(*)
    FROM counted_findings WHERE outcome IS NOT NULL GROUP BY outcome
UNION ALL SELECT 'findings', 'source_design', source_design, count(*)
    FROM counted_findings WHERE source_design IS NOT NULL GROUP BY source_design
UNION ALL SELECT 'economic_evaluations', 'condition', l.ancestor, count(*)
    FROM counted_economic_evaluations e JOIN condition_lineage l ON l.condition = e.condition GROUP BY l.ancestor
UNION ALL SELECT 'economic_evaluations', 'conclusion', conclusion, count(*)
    FROM counted_economic_evaluations WHERE conclusion IS NOT NULL GROUP BY conclusion
UNION ALL SELECT 'economic_evaluations', 'perspective', perspective, count(*)
    FROM counted_economic_evaluations WHERE perspective IS NOT NULL GROUP BY perspective
UNION ALL SELECT 'sources', 'design', design, count(*)
    FROM sources WHERE design IS NOT NULL GROUP BY design
UNION ALL SELECT 'sources', 'status', status, count(*)
    FROM sources WHERE status IS NOT NULL GROUP BY status
UNION ALL SELECT 'sources', 'conditions', j.value, count(DISTINCT s.rowid)
    FROM sources s, json_each(s.conditions) j GROUP BY j.value
UNION ALL SELECT 'sources', 'intervention_types', j.value, count(DISTINCT s.rowid)
    FROM sources s, json_each(s.intervention_types) j GROUP BY j.value;

-- Findings per condition × intervention type, counted once: the gap map's cells (best_rank: the highest
-- certainty among findings whose source counts in overviews), the condition page's comparisons (top_rank:
-- the highest certainty of any) and the front page's counts.
DROP TABLE IF EXISTS finding_counts;
CREATE TABLE finding_counts AS
SELECT f.condition, f.intervention_type, count(*) AS findings, count(f.certainty) AS graded,
    max(CASE WHEN f.in_overviews THEN certainty.rank END) AS best_rank,
    max(f.certainty_rank) AS top_rank
FROM counted_findings f
LEFT JOIN vocabulary certainty ON certainty.kind = 'certainty' AND certainty.id = f.certainty
GROUP BY f.condition, f.intervention_type;

-- What the database holds per condition (the front page), its narrower conditions' included: findings
-- and GRADE-rated findings (from finding_counts), economic evaluations (counted once) and sources.
DROP TABLE IF EXISTS condition_counts;
CREATE TABLE condition_counts AS
SELECT c.id AS condition,
    coalesce((SELECT sum(n.findings) FROM finding_counts n JOIN condition_lineage l ON l.condition = n.condition
              WHERE l.ancestor = c.id), 0) AS findings,
    coalesce((SELECT sum(n.graded) FROM finding_counts n JOIN condition_lineage l ON l.condition = n.condition
              WHERE l.ancestor = c.id), 0) AS graded,
    coalesce(e.economic_evaluations, 0) AS economic_evaluations,
    coalesce(s.sources, 0) AS sources
FROM conditions c
LEFT JOIN (SELECT l.ancestor AS condition, count(*) AS economic_evaluations FROM counted_economic_evaluations e
           JOIN condition_lineage l ON l.condition = e.condition GROUP BY l.ancestor) e ON e.condition = c.id
LEFT JOIN (SELECT l.ancestor AS condition, count(DISTINCT s.rowid) AS sources FROM sources s, json_each(s.conditions) j
           JOIN condition_lineage l ON l.condition = j.value GROUP BY l.ancestor) s ON s.condition = c.id;

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
