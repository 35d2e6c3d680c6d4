-- One row per Jira comment.
with source as (
    select * from {{ source('raw_jira', 'comments') }}
    qualify row_number() over (partition by comment_id order by updated_at desc, _loaded_at desc) = 1
)

select
    comment_id,
    issue_id,
    author_key,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    is_public,
    _loaded_at as loaded_at
from source
