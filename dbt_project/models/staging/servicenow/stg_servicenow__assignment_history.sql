-- One row per sys_audit change of an incident's assignment_group, assigned_to or state.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='audit_id',
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_servicenow', 'assignment_history'), ['sys_id']) }}
)

select
    sys_id as audit_id,
    document_key as incident_id,
    table_name,
    lower(field_name) as field_name,
    nullif(old_value, '') as old_value,
    nullif(new_value, '') as new_value,
    user_key as changed_by_user_name_key,
    record_checkpoint,
    cast(created_at as timestamp) as changed_at,
    _loaded_at as loaded_at
from source
