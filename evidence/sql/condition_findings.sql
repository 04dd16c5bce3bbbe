-- What is known for a condition: its findings, most certain first, with the rank of their certainty
-- and whether their source counts in overviews (a result read in two documents is listed once).
select f.id, f.certainty, coalesce(v.rank, 0) as certainty_rank, f.statement, f.intervention_type, f.intervention,
    f.comparator, f.outcome, f.timepoint, f.direction, f.effect_measure, f.effect, f.ci_lower, f.ci_upper,
    f.studies_n, f.participants_n, f.source_id, s.label as source_label, f.source_status, st.in_overviews
from findings f
join sources s on s.id = f.source_id
left join vocabulary v on v.kind = 'certainty' and v.id = f.certainty
left join vocabulary st on st.kind = 'status' and st.id = f.source_status
where f.condition = :id and f.same_result_as is null
order by coalesce(v.rank, 0) desc, f.intervention_type, f.outcome, f.id
