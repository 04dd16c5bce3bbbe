-- The conclusions a question rests on, most certain first, with their source and its status.
select f.id, f.statement, f.certainty, f.condition, f.condition_label, f.outcome_label, f.source_label, f.source_status,
    st.name as status_name, st.in_overviews
from question_findings qf
join findings_labelled f on f.id = qf.finding_id
left join vocabulary v on v.kind = 'certainty' and v.id = f.certainty
join vocabulary st on st.kind = 'status' and st.id = f.source_status
where qf.question_id = :id
order by coalesce(v.rank, 0) desc, f.condition_label, f.id
