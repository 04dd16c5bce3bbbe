-- Recommendations for the FHIR export, with their question, audience and document.
select r.*, q.module, q.last_assessed, q.last_authorised, a.name as audience_name, d.label as document_label
from recommendations r
join questions q on q.id = r.question_id
join vocabulary a on a.kind = 'audience' and a.id = r.audience
join documents d on d.id = r.source_document
order by q.position, r.position
