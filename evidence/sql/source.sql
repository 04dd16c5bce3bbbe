-- One source.
select * from sources where id = :id
