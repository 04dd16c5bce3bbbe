-- Findings per condition × intervention type (counted once, serving_counts.sql's counted_findings), a
-- broader condition's row holding its narrower conditions' (condition_lineage), with the highest certainty
-- rank among the findings that count in overviews (best_rank) and among all (top_rank), and the
-- conditions the cell holds (for its link).
select l.ancestor as condition, g.intervention_type, sum(g.findings) as findings, max(g.best_rank) as best_rank,
    max(g.top_rank) as top_rank, json_group_array(distinct g.condition) as conditions
from finding_counts g
join condition_lineage l on l.condition = g.condition
group by l.ancestor, g.intervention_type
