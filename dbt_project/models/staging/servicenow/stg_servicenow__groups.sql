-- One row per assignment group.
with source as (
    {{ latest_rows(source('raw_servicenow', 'groups'), ['sys_id'], order_by='sys_updated_on desc, _loaded_at desc') }}
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
