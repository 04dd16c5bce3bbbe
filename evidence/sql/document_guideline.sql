-- The guideline modules whose text (question, recommendations, considerations) is quoted from one document.
select q.id, q.module, q.module_en,
    (select count(*) from recommendations r where r.question_id = q.id and r.source_document = :id) as recommendations,
    (select count(*) from considerations c where c.question_id = q.id and c.source_document = :id) as considerations
from questions q
where q.source_document = :id
   or exists (select 1 from recommendations r where r.question_id = q.id and r.source_document = :id)
   or exists (select 1 from considerations c where c.question_id = q.id and c.source_document = :id)
order by q.position
