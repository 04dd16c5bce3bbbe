-- One document (a term of the document vocabulary) and how many records quote it.
select d.*,  -- id, its names in every language, description
    (select count(*) from findings where source_document = d.id) as findings,
    (select count(*) from economic_evaluations where source_document = d.id) as economic_evaluations,
    (select count(*) from recommendations where source_document = d.id) as recommendations,
    (select count(*) from considerations where source_document = d.id) as considerations,
    (select count(*) from questions where source_document = d.id) as questions
from documents d
where d.id = :id
