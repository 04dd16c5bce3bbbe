-- The findings and economic evaluations quoted from one document, by source, most certain first.
select 'findings' as record_table, f.id, f.statement, f.certainty, f.condition, f.source_id, f.source_locator,
    coalesce(v.rank, 0) as certainty_rank
from findings f
left join vocabulary v on v.kind = 'certainty' and v.id = f.certainty
where f.source_document = :id
union all
select 'economic_evaluations', e.id, e.statement, null, e.condition, e.source_id, e.source_locator, -1
from economic_evaluations e
where e.source_document = :id
order by source_id, record_table desc, certainty_rank desc, id
