-- Sources by id (:ids, a JSON list), for citing them.
select * from sources where id in (select value from json_each(:ids)) order by label
