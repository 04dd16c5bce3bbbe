-- The documents quotes were read in, with how many findings and evaluations cite each (counted at
-- build, serving_counts.sql).
select d.id, d.label, n.records
from document_counts n
join documents d on d.id = n.document
order by n.records desc
