-- One row per ticket's metric set; durations are minutes as Zendesk reports them.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_zendesk', 'ticket_metrics'), ['ticket_id'], order_by='updated_at desc, _loaded_at desc') }}
)

select
    ticket_id,
    metric_id,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    group_stations,
    assignee_stations,
    reopens,
    replies,
    reply_time_calendar as reply_time_calendar_minutes,
    reply_time_business as reply_time_business_minutes,
    first_resolution_time_calendar as first_resolution_time_calendar_minutes,
    first_resolution_time_business as first_resolution_time_business_minutes,
    full_resolution_time_calendar as full_resolution_time_calendar_minutes,
    full_resolution_time_business as full_resolution_time_business_minutes,
    agent_wait_time_calendar as agent_wait_time_calendar_minutes,
    requester_wait_time_calendar as requester_wait_time_calendar_minutes,
    on_hold_time_calendar as on_hold_time_calendar_minutes,
    cast(initially_assigned_at as timestamp) as initially_assigned_at,
    cast(assigned_at as timestamp) as assigned_at,
    cast(solved_at as timestamp) as solved_at,
    cast(status_updated_at as timestamp) as status_updated_at,
    cast(latest_comment_added_at as timestamp) as latest_comment_added_at,
    _loaded_at as loaded_at
from source
