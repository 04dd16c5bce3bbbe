-- The works a guideline document cites (:ids, a JSON list of source ids: the sources of the conclusions it
-- shows and the works its modules cite), once each, with what a one-line citation needs.
select s.id, s.label, s.authors, s.title, s.journal, s.doi, s.pmid
from sources s
where s.id in (select value from json_each(:ids))
order by lower(s.label), s.id
