-- One question with its document's label and, for a sub-module, its parent module's names.
select q.*, d.label as document_label, p.module as parent_module, p.module_en as parent_module_en
from questions q join documents d on d.id = q.source_document
left join questions p on p.id = q.parent
where q.id = :id
