-- Findings per condition × intervention type (a result read in two documents counted once), with the
-- highest certainty rank among the findings that count in overviews (their source's status says so);
-- counted at build (serving_counts.sql).
select condition, intervention_type, findings, best_rank
from finding_counts
