-- One condition, with its broader condition and its narrower ones (JSON list of ids).
select c.*,  -- id, its names in every language, description, parent, family
    (select json_group_array(n.id) from conditions n where n.parent = c.id) as narrower
from conditions c
where c.id = :id
