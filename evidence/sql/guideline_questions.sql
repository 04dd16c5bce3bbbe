-- The guideline's modules and their questions in order (a sub-module after its parent), with how many
-- recommendations, considerations and conclusions each has of its own.
select q.*,
    (select count(*) from recommendations r where r.question_id = q.id) as recommendations,
    (select count(*) from considerations c where c.question_id = q.id) as considerations,
    (select count(*) from question_findings qf where qf.question_id = q.id) as findings,
    (select count(*) from module_tasks t where t.question_id = q.id) as tasks
from questions q
order by q.position
