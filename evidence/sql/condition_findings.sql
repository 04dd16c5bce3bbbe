-- What is known for a condition: the most certain findings of each comparison (intervention type), at
-- most :per each, most certain first, with whether their source counts in overviews (a result read in
-- two documents is listed once). The index ix_findings_comparison (serving_counts.sql) finds each
-- comparison's first findings without reading its others; the cross joins keep the comparisons first.
select f.id, f.certainty, f.certainty_rank, f.statement, f.intervention_type, f.intervention,
    f.comparator, f.outcome, f.timepoint, f.direction, f.effect_measure, f.effect, f.ci_lower, f.ci_upper,
    f.studies_n, f.participants_n, f.source_id, s.label as source_label, f.source_status, st.in_overviews
from finding_counts g
cross join findings f on f.rowid in (
    select c.rowid from findings c
    where c.condition = g.condition and c.intervention_type = g.intervention_type and c.same_result_as is null
    order by c.certainty_rank desc, c.outcome, c.id
    limit :per)
cross join sources s on s.id = f.source_id
left join vocabulary st on st.kind = 'status' and st.id = f.source_status
where g.condition = :id
order by f.intervention_type, f.certainty_rank desc, f.outcome, f.id
