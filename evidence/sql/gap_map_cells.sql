-- Findings per condition × intervention type (a result read in two documents counted once), with the
-- highest certainty rank among the findings that count in overviews (their source's status says so).
select
    f.condition,
    f.intervention_type,
    count(*) as findings,
    max(case when status.in_overviews then certainty.rank end) as best_rank
from findings f
join vocabulary status on status.kind = 'status' and status.id = f.source_status
left join vocabulary certainty on certainty.kind = 'certainty' and certainty.id = f.certainty
where f.same_result_as is null
group by f.condition, f.intervention_type
