-- Rows and columns of the gap map: every condition and intervention type, in name order.
select 'condition' as kind, id, label from conditions
union all
select 'intervention_type', id, label from intervention_types
order by kind, label
