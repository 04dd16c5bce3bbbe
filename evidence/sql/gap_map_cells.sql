-- Findings per condition × intervention type, with the highest GRADE certainty among them.
select
    condition,
    intervention_type,
    count(*) as findings,
    max(case certainty when 'high' then 4 when 'moderate' then 3 when 'low' then 2 when 'very_low' then 1 else 0 end)
        as best_rank
from findings
group by condition, intervention_type
