-- The guideline's questions and recommendations that rest on one finding.
select q.id as question_id, q.module, q.module_en, q.question, q.question_en, r.id as recommendation_id, r.text,
    r.text_en, r.audience, a.name as audience_name
from question_findings qf
join questions q on q.id = qf.question_id
left join recommendations r on r.question_id = q.id
left join vocabulary a on a.kind = 'audience' and a.id = r.audience
where qf.finding_id = :id
order by q.position, a.rank desc, r.position
