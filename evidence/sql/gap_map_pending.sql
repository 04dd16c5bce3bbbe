-- Studies without results yet (statuses marked pending in the vocabulary), per condition × intervention
-- type they cover.
select c.value as condition, t.value as intervention_type, s.id, s.label, s.status
from sources s, json_each(s.conditions) c, json_each(s.intervention_types) t
where s.status in (select id from vocabulary where kind = 'status' and pending)
order by s.label
