-- What the database holds per condition: findings, GRADE-rated findings, economic evaluations, sources.
select
    c.id,
    c.label,
    (select count(*) from findings f where f.condition = c.id) as findings,
    (select count(*) from findings f where f.condition = c.id and f.certainty is not null) as graded,
    (select count(*) from economic_evaluations e where e.condition = c.id) as economic_evaluations,
    (select count(*) from sources s, json_each(s.conditions) j where j.value = c.id) as sources
from conditions c
order by findings desc, c.label
