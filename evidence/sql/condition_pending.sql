-- Ongoing studies and studies awaiting classification that cover a condition.
select s.id, s.label, s.title, s.status, s.design, s.intervention_types
from sources s
where s.status in (select id from vocabulary where kind = 'status' and pending)
  and exists (select 1 from json_each(s.conditions) j where j.value = :id)
order by s.status, s.label
