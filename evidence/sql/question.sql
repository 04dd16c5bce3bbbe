-- One question with its document's label.
select q.*, d.label as document_label
from questions q join documents d on d.id = q.source_document
where q.id = :id
