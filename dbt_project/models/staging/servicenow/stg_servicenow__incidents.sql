-- One row per incident, typed; the latest landed version wins.
with source as (
    select * from {{ source('raw_servicenow', 'incidents') }}
    qualify row_number() over (partition by sys_id order by sys_updated_on desc, _loaded_at desc) = 1
)

select
    sys_id as incident_id,
    number as incident_number,
    state,
    priority,
    category,
    subcategory,
    assignment_group_id,
    assigned_to_key,
    caller_key,
    opened_by_key,
    resolved_by_key,
    cast(opened_at as timestamp) as opened_at,
    cast(resolved_at as timestamp) as resolved_at,
    cast(closed_at as timestamp) as closed_at,
    reassignment_count,
    reopen_count,
    close_code,
    cast(sys_created_on as timestamp) as created_at,
    cast(sys_updated_on as timestamp) as updated_at,
    _loaded_at as loaded_at
from source
