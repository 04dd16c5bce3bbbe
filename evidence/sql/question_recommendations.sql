-- A question's recommendations grouped by audience (in the audience scale's order), as printed within each.
select r.*, a.name as audience_name, k.name as kind_name,
    b.name as evidence_basis_name, s.name as strength_name, dir.name as direction_name
from recommendations r
join vocabulary a on a.kind = 'audience' and a.id = r.audience
join vocabulary k on k.kind = 'recommendation_kind' and k.id = r.kind
left join vocabulary b on b.kind = 'evidence_basis' and b.id = r.evidence_basis
left join vocabulary s on s.kind = 'recommendation_strength' and s.id = r.strength
left join vocabulary dir on dir.kind = 'recommendation_direction' and dir.id = r.direction
where r.question_id = :id
order by a.rank desc, r.position
