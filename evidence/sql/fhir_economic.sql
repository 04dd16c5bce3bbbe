-- Economic evaluations for the FHIR export, with the measure's name. :ids is a JSON list of ids.
select e.*, m.name as measure_name
from economic_evaluations e
left join vocabulary m on m.kind = 'economic_measure' and m.id = e.measure
where e.id in (select value from json_each(:ids))
order by e.id
