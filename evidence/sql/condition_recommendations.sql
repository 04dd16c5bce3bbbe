-- The recommendations of a set of guideline modules (:ids, a JSON list), by module, audience and position,
-- each with its own evidence basis.
select r.id, r.question_id, r.text, r.text_en, r.audience, r.kind, r.strength, r.direction, r.evidence_basis,
    r.evidence_basis_quote
from recommendations r
join questions q on q.id = r.question_id
left join vocabulary a on a.kind = 'audience' and a.id = r.audience
where r.question_id in (select value from json_each(:ids))
order by q.position, a.rank desc, r.position
