-- One row per audit event; field_name lower-cased (group_id, assignee_id, status, ...).
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['audit_id', 'event_id'],
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_zendesk', 'ticket_audit_events'), ['audit_id', 'event_id']) }}
)

select
    audit_id,
    event_id,
    ticket_id,
    cast(created_at as timestamp) as created_at,
    author_key,
    channel,
    event_type,
    lower(field_name) as field_name,
    value,
    previous_value,
    is_public,
    _loaded_at as loaded_at
from source
