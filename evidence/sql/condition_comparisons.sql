-- The comparisons (intervention types) with findings for a condition and its narrower conditions, the
-- one with the most certain finding first, then the one with most findings: how many findings each has
-- (counted once) and how many are GRADE-rated (counted at build, serving_counts.sql).
select g.intervention_type, sum(g.findings) as findings, sum(g.graded) as graded, max(g.top_rank) as top_rank
from finding_counts g
join condition_lineage l on l.condition = g.condition
where l.ancestor = :id
group by g.intervention_type
order by top_rank desc, findings desc, g.intervention_type
