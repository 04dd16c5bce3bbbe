-- The source of one finding and the names of its terms, for the Summary-of-Findings row page.
select
    s.id as source_id, s.label as source_label, s.title, s.journal, s.year, s.doi, s.pmid, s.design, s.status,
    f.condition_label, f.intervention_type_label, f.outcome_label, f.document_label
from findings_labelled f
join sources s on s.id = f.source_id
where f.id = :id
