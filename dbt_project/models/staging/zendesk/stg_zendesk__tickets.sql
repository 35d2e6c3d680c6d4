-- One row per Zendesk ticket, typed; the latest landed version wins.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_zendesk', 'tickets'), ['ticket_id'], order_by='updated_at desc, _loaded_at desc') }}
)

select
    ticket_id,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    status,
    priority,
    ticket_type,
    channel,
    cast(tags as {{ type_varchar() }}) as tags_json,
    requester_key,
    submitter_key,
    assignee_key,
    group_id,
    organization_id,
    brand_id,
    satisfaction_score,
    _loaded_at as loaded_at
from source
