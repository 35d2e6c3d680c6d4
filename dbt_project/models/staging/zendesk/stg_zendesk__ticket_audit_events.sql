-- One row per audit event; field_name lower-cased (group_id, assignee_id, status, ...).
with source as (
    select * from {{ source('raw_zendesk', 'ticket_audit_events') }}
    qualify row_number() over (partition by audit_id, event_id order by _loaded_at desc) = 1
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
