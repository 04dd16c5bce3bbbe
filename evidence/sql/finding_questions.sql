-- The guideline modules whose literature summary includes one finding (as a conclusion), with their
-- recommendations and each one's own evidence basis. The guideline attaches conclusions to a module,
-- not to a recommendation.
select q.id as question_id, q.module, q.module_en, q.question, q.question_en, r.id as recommendation_id, r.text,
    r.text_en, r.audience, a.name as audience_name, r.evidence_basis, r.evidence_basis_quote
from question_findings qf
join questions q on q.id = qf.question_id
left join recommendations r on r.question_id = q.id
left join vocabulary a on a.kind = 'audience' and a.id = r.audience
where qf.finding_id = :id
order by q.position, a.rank desc, r.position
