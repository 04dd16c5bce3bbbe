-- A module's task table, row by row as printed.
select t.* from module_tasks t where t.question_id = :id order by t.position
