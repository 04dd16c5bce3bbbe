-- A question's considerations by Evidence-to-Decision criterion (in the criterion scale's order).
select c.*, v.name as criterion_name, v.name_nl as criterion_name_nl
from considerations c
join vocabulary v on v.kind = 'criterion' and v.id = c.criterion
where c.question_id = :id
order by v.rank desc, c.position
