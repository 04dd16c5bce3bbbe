-- What changed since the previous build, per table and kind of change (counted at build, serving_counts.sql).
select table_name, change, records
from change_counts
order by table_name, change
