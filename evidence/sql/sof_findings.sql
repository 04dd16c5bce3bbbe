-- Findings for Summary-of-Findings tables and the FHIR export, with their names.
-- :ids is a JSON list of finding ids (already filtered).
select *
from findings_labelled
where id in (select value from json_each(:ids))
order by condition, source_id, outcome, coalesce(follow_up_months_max, 1e9), id
