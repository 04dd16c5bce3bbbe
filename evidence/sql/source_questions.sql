-- The guideline modules that rest on a source's findings.
select distinct q.id, q.module, q.module_en, q.position
from question_findings qf
join findings f on f.id = qf.finding_id
join questions q on q.id = qf.question_id
where f.source_id = :id
order by q.position
