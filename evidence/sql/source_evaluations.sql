-- A source's economic evaluations.
select id, condition, conclusion, measure, value, currency, perspective, statement
from economic_evaluations
where source_id = :id
order by condition, id
