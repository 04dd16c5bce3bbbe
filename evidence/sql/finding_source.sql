-- The source of one finding and the labels of its terms, for the Summary-of-Findings row page.
select
    s.id as source_id, s.label as source_label, s.title, s.journal, s.year, s.doi, s.pmid, s.design, s.status,
    c.label as condition_label, t.label as intervention_type_label, o.label as outcome_label,
    d.label as document_label
from findings f
join sources s on s.id = f.source_id
join conditions c on c.id = f.condition
join intervention_types t on t.id = f.intervention_type
join outcomes o on o.id = f.outcome
join documents d on d.id = f.source_document
where f.id = :id
