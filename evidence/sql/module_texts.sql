-- A module's justification beside its conclusions (background, search and selection,
-- studies awaiting classification, research needs), in source order, with the kind's names.
select m.*, v.name as kind_name
from module_texts m join vocabulary v on v.kind = 'module_text' and v.id = m.kind
where m.question_id = :id
order by m.position
