-- Considerations for the FHIR export, by question and Evidence-to-Decision criterion.
select c.*, v.name as criterion_name
from considerations c
join questions q on q.id = c.question_id
join vocabulary v on v.kind = 'criterion' and v.id = c.criterion
order by q.position, v.rank desc, c.position
