-- What changed since the previous build, per table and kind of change.
select table_name, change, count(distinct record_id) as records
from changes
group by table_name, change
order by table_name, change
