-- The releases in the history, newest first, with how many records each added, changed and removed.
select release, released_at,
    count(distinct case when change = 'added' then table_name || record_id end) as added,
    count(distinct case when change = 'changed' then table_name || record_id end) as changed,
    count(distinct case when change = 'removed' then table_name || record_id end) as removed
from history
group by release, released_at
order by released_at desc, release desc
