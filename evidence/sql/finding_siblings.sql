-- The other findings of the same source.
select id, certainty, statement, timepoint
from findings
where source_id = (select source_id from findings where id = :id) and id != :id
order by id
