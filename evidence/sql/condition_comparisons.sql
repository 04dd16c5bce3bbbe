-- The comparisons (intervention types) with findings for a condition, the one with the most certain
-- finding first, then the one with most findings: how many findings each has (a result read in two
-- documents counted once) and how many are GRADE-rated (counted at build, serving_counts.sql).
select intervention_type, findings, graded, top_rank
from finding_counts
where condition = :id
order by top_rank desc, findings desc, intervention_type
