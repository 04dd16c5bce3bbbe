-- Findings of a condition that record a search that found no evidence (the page's gaps), by the partial
-- index ix_findings_no_evidence (serving_counts.sql), which holds these findings alone.
select f.id, f.statement, f.intervention_type, f.outcome
from findings f
where f.condition = :id and f.direction = 'no_evidence' and f.same_result_as is null
order by f.intervention_type, f.outcome, f.id
