-- One row per Zendesk group.
with source as (
    select * from {{ source('raw_zendesk', 'groups') }}
    qualify row_number() over (partition by group_id order by updated_at desc, _loaded_at desc) = 1
)

select
    group_id,
    trim(name) as group_name,
    is_public,
    deleted as is_deleted,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at as loaded_at
from source
