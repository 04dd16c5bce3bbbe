-- The conclusions in a module's literature summary, in the order printed, with their source, its status and
-- where the guideline prints them (the population heading they stand under).
select f.id, f.statement, f.certainty, f.condition, f.condition_label, f.outcome_label, f.source_id, f.source_label, f.source_status,
    f.source_locator, st.name as status_name, st.in_overviews
from question_findings qf
join findings_labelled f on f.id = qf.finding_id
join vocabulary st on st.kind = 'status' and st.id = f.source_status
where qf.question_id = :id
order by qf.position, f.id
