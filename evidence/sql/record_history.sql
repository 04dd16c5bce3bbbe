-- One record's history across releases, oldest first.
select release, released_at, change, field, old, new
from history
where table_name = :table and record_id = :id
order by id
