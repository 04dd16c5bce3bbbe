-- Findings for Summary-of-Findings tables, with the names of their terms and source.
-- :ids is a JSON list of finding ids (already filtered).
select
    f.*,
    c.label as condition_label,
    o.label as outcome_label,
    t.label as intervention_type_label,
    s.label as source_label
from findings f
join conditions c on c.id = f.condition
join outcomes o on o.id = f.outcome
join intervention_types t on t.id = f.intervention_type
join sources s on s.id = f.source_id
where f.id in (select value from json_each(:ids))
order by f.condition, f.source_id, f.outcome, coalesce(f.follow_up_months_max, 1e9), f.id
