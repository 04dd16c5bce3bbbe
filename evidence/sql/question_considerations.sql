-- A module's considerations in source order, each with its sub-heading and its kind (an Evidence-to-Decision
-- criterion or a part of a Dutch module) and its name.
select c.*, v.name as criterion_name
from considerations c
join vocabulary v on v.kind = 'criterion' and v.id = c.criterion
where c.question_id = :id
order by c.position
