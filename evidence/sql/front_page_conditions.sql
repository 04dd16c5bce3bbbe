-- What the database holds per condition: findings, GRADE-rated findings, economic evaluations (a result
-- read in two documents counted once), sources; counted at build (serving_counts.sql).
select c.id, c.label, c.parent, n.findings, n.graded, n.economic_evaluations, n.sources
from conditions c
join condition_counts n on n.condition = c.id
order by n.findings desc, c.label
