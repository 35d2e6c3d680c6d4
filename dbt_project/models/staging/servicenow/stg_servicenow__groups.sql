-- One row per assignment group.
with source as (
    select * from {{ source('raw_servicenow', 'groups') }}
    qualify row_number() over (partition by sys_id order by sys_updated_on desc, _loaded_at desc) = 1
)

select
    sys_id as group_id,
    trim(name) as group_name,
    parent_id as parent_group_id,
    manager_key,
    active as is_active,
    cast(sys_updated_on as timestamp) as updated_at,
    _loaded_at as loaded_at
from source
