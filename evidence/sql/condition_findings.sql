-- What is known for a condition and its narrower conditions: the most certain findings of each comparison
-- (intervention type), at most :per for each condition in it, most certain first, with whether their
-- source counts in overviews (counted_findings: a result read in two documents is listed once). The
-- index ix_findings_comparison (serving_counts.sql) finds each comparison's first findings without
-- reading its others; the cross joins keep the comparisons first.
select f.id, f.condition, f.certainty, f.certainty_rank, f.statement, f.intervention_type, f.intervention,
    f.comparator, f.outcome, f.timepoint, f.direction, f.effect_measure, f.effect, f.ci_lower, f.ci_upper,
    f.studies_n, f.participants_n, f.source_id, s.label as source_label, f.source_status, st.in_overviews
from condition_lineage l
cross join finding_counts g on g.condition = l.condition
cross join findings f on f.rowid in (
    select c.rid from counted_findings c
    where c.condition = g.condition and c.intervention_type = g.intervention_type
    order by c.certainty_rank desc, c.outcome, c.id
    limit :per)
cross join sources s on s.id = f.source_id
left join vocabulary st on st.kind = 'status' and st.id = f.source_status
where l.ancestor = :id
order by f.intervention_type, f.certainty_rank desc, f.outcome, f.id
