-- One row per changelog item; field names lower-cased so 'Team'/'team' and 'assignee' compare equal.
with source as (
    select * from {{ source('raw_jira', 'issue_changes') }}
    qualify row_number() over (partition by issue_id, history_id, item_index order by _loaded_at desc) = 1
)

select
    issue_id,
    history_id,
    item_index,
    cast(changed_at as timestamp) as changed_at,
    author_key,
    lower(field) as field_name,
    field_id,
    from_value,
    from_string,
    to_value,
    to_string,
    _loaded_at as loaded_at
from source
