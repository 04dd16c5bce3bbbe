-- The sub-modules of a module, in order.
select q.id, q.module, q.module_en,
    (select count(*) from considerations c where c.question_id = q.id) as considerations
from questions q where q.parent = :id
order by q.position
