-- Guideline modules (questions) for the FHIR export, with their document.
select q.*, d.label as document_label
from questions q
left join documents d on d.id = q.source_document
order by q.position
