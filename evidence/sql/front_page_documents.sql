-- The documents quotes were read in, with how many findings and evaluations cite each.
select d.id, d.label, count(*) as records
from (
    select source_document from findings
    union all
    select source_document from economic_evaluations
) q
join documents d on d.id = q.source_document
group by d.id
order by records desc
