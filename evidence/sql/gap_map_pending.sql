-- Ongoing studies and studies awaiting classification, per condition × intervention type they cover.
select c.value as condition, t.value as intervention_type, s.id, s.label, s.status
from sources s, json_each(s.conditions) c, json_each(s.intervention_types) t
where s.status in ('ongoing', 'awaiting_classification')
order by s.label
