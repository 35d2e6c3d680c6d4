-- One row per incident, typed; the latest landed version wins.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='incident_id',
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_servicenow', 'incidents'), ['sys_id'], order_by='sys_updated_on desc, _loaded_at desc') }}
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
