-- Rows and columns of the gap map: every condition and intervention type in vocabulary order, with the
-- broader term each belongs to (for grouping intervention types by family and indenting conditions).
select 'condition' as kind, c.id, c.label, c.parent, c.family
from conditions c
union all
select 'intervention_type', t.id, t.label, t.parent, t.family
from intervention_types t
