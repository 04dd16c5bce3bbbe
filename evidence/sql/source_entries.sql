-- Sources with their BibTeX entries, for bibliography exports. :ids is a JSON list of source ids.
select id, label, citation_key, bibtex, doi, pmid
from sources
where id in (select value from json_each(:ids))
order by citation_key
