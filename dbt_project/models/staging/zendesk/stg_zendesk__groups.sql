-- One row per Zendesk group.
with source as (
    {{ latest_rows(source('raw_zendesk', 'groups'), ['group_id'], order_by='updated_at desc, _loaded_at desc') }}
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
