-- A module's considerations in source order, each with its sub-heading and its kind (an Evidence-to-Decision
-- criterion or a part of a Dutch module) in English and Dutch.
select c.*, v.name as criterion_name, v.name_nl as criterion_name_nl
from considerations c
join vocabulary v on v.kind = 'criterion' and v.id = c.criterion
where c.question_id = :id
order by c.position
