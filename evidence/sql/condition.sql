-- One condition, with its broader condition and its narrower ones (JSON list of ids).
select c.id, c.name, c.name_nl, c.description, c.parent, c.family,
    (select json_group_array(n.id) from conditions n where n.parent = c.id) as narrower
from conditions c
where c.id = :id
