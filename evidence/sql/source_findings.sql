-- A source's findings, most certain first, then by condition and id.
select f.id, f.certainty, f.statement, f.condition, f.outcome, f.timepoint, f.direction, f.effect, f.effect_measure,
    f.ci_lower, f.ci_upper
from findings f
left join vocabulary v on v.kind = 'certainty' and v.id = f.certainty
where f.source_id = :id
order by coalesce(v.rank, 0) desc, f.condition, f.id
