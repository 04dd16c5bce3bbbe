-- The guideline modules that rest on findings for a condition, with how many of its findings each cites;
-- and (for_every_condition = 1) the modules that rest on no finding, which apply to every condition.
select q.id, q.module, q.module_en, q.question, q.question_en, q.position,
    (select count(*) from question_findings qf join findings f on f.id = qf.finding_id
        where qf.question_id = q.id and f.condition = :id) as findings,
    not exists (select 1 from question_findings qf where qf.question_id = q.id) as for_every_condition
from questions q
where exists (select 1 from question_findings qf join findings f on f.id = qf.finding_id
                  where qf.question_id = q.id and f.condition = :id)
   or not exists (select 1 from question_findings qf where qf.question_id = q.id)
order by q.position
