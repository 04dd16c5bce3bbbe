-- What the database holds per condition: findings, GRADE-rated findings, economic evaluations (a result
-- read in two documents counted once), sources.
select
    c.id,
    c.label,
    c.parent,
    (select count(*) from findings f where f.condition = c.id and f.same_result_as is null) as findings,
    (select count(*) from findings f where f.condition = c.id and f.certainty is not null and f.same_result_as is null) as graded,
    (select count(*) from economic_evaluations e where e.condition = c.id and e.same_result_as is null) as economic_evaluations,
    (select count(*) from sources s, json_each(s.conditions) j where j.value = c.id) as sources
from conditions c
order by findings desc, c.label
