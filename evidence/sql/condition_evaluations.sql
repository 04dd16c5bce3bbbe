-- The economic evaluations for a condition.
select e.id, e.statement, e.conclusion, e.measure, e.value, e.currency, e.perspective, e.intervention,
    e.intervention_type, e.source_id, e.same_result_as, s.label as source_label
from economic_evaluations e
join sources s on s.id = e.source_id
where e.condition = :id
order by e.conclusion, e.id
