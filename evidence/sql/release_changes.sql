-- What one release changed, record by record (field by field for changed records).
select h.*, coalesce(f.statement, s.label, e.statement, r.text, q.question) as summary
from history h
left join findings f on h.table_name = 'findings' and f.id = h.record_id
left join sources s on h.table_name = 'sources' and s.id = h.record_id
left join economic_evaluations e on h.table_name = 'economic_evaluations' and e.id = h.record_id
left join recommendations r on h.table_name = 'recommendations' and r.id = h.record_id
left join questions q on h.table_name = 'questions' and q.id = h.record_id
where h.release = :release
order by h.table_name, h.change, h.record_id, h.id
