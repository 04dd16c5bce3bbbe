-- The guideline modules whose literature summary has conclusions for a condition, with how many; and
-- (for_every_condition = 1) the modules with no conclusions, whose recommendations apply to every condition.
-- A sub-module shares its parent's recommendations and literature summary and is not listed apart.
select q.id, q.module, q.module_en, q.question, q.question_en, q.position,
    (select count(*) from question_findings qf join findings f on f.id = qf.finding_id
        where qf.question_id = q.id and f.condition = :id) as findings,
    not exists (select 1 from question_findings qf where qf.question_id = q.id) as for_every_condition
from questions q
where q.parent is null and (exists (select 1 from question_findings qf join findings f on f.id = qf.finding_id
                  where qf.question_id = q.id and f.condition = :id)
   or not exists (select 1 from question_findings qf where qf.question_id = q.id))
order by q.position
