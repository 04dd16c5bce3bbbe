-- New evidence for a guideline module (:id; a sub-module reads its parent's conclusions): findings added or
-- changed in a release after the module was last authorised, not among its conclusions, that share a condition
-- and an intervention family with one of them. Through the vocabulary hierarchy: a finding's condition matches
-- a conclusion's condition or any narrower one (conditions.parent), its intervention type any type of the same
-- family (intervention_types.family). The first release is the baseline (it adds every record), not news.
with recursive
    module(id, authorised) as (
        select coalesce(q.parent, q.id), coalesce(q.last_authorised, p.last_authorised)
        from questions q left join questions p on p.id = q.parent where q.id = :id),
    concluded(condition, family) as (
        select distinct f.condition, t.family from question_findings qf
        join module m on m.id = qf.question_id
        join findings f on f.id = qf.finding_id
        join intervention_types t on t.id = f.intervention_type),
    matching(condition, family) as (
        select condition, family from concluded
        union select c.id, m.family from conditions c join matching m on c.parent = m.condition),
    baseline(released_at) as (select min(released_at) from history)
select f.id, f.statement, f.certainty, f.condition, f.source_id, h.release, max(h.released_at) as released_at,
    min(h.change) as change
from history h
join findings f on f.id = h.record_id
join intervention_types t on t.id = f.intervention_type
join matching x on x.condition = f.condition and x.family = t.family
join module m
where h.table_name = 'findings' and h.change in ('added', 'changed')
  and h.released_at > coalesce(m.authorised, '') and h.released_at > (select released_at from baseline)
  and f.id not in (select qf.finding_id from question_findings qf where qf.question_id = m.id)
group by f.id, h.release
order by released_at desc, f.id
