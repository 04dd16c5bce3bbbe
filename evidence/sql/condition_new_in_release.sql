-- Findings of one condition added or changed in the release this database is (empty for a plain build).
select distinct h.record_id as id, h.change, f.statement, f.certainty
from history h
join build_info b on b.release = h.release
join findings f on f.id = h.record_id
where h.table_name = 'findings' and h.change in ('added', 'changed') and f.condition = :id
order by h.change, h.record_id
