-- Findings of a condition (and its narrower conditions) that record a search that found no evidence (the
-- page's gaps), counted once, by the partial index ix_findings_no_evidence (serving_counts.sql).
select f.id, f.statement, f.intervention_type, f.outcome
from condition_lineage l
cross join counted_findings f on f.condition = l.condition and f.direction = 'no_evidence'
where l.ancestor = :id
order by f.intervention_type, f.outcome, f.id
