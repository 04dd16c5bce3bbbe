-- The guideline's modules and their questions, with how many recommendations, considerations and
-- conclusions each has.
select q.*,
    (select count(*) from recommendations r where r.question_id = q.id) as recommendations,
    (select count(*) from considerations c where c.question_id = q.id) as considerations,
    (select count(*) from question_findings qf where qf.question_id = q.id) as findings
from questions q
order by q.position
