-- The references of the conclusions a guideline document shows, as one-line citations. :ids is a JSON list.
select distinct s.id, s.label,
    s.label || '. ' || coalesce(s.title, '') || coalesce('. ' || s.journal, '') || coalesce('. doi:' || s.doi, '') as citation
from findings f join sources s on s.id = f.source_id
where f.id in (select value from json_each(:ids))
order by s.label
