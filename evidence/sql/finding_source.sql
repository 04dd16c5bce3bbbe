-- The source of one finding, for the Summary-of-Findings row page and its citation.
select s.id as source_id, s.label as source_label, s.title, s.authors, s.journal, s.year, s.doi, s.pmid, s.design,
    s.status, s.bibtex
from findings f
join sources s on s.id = f.source_id
where f.id = :id
