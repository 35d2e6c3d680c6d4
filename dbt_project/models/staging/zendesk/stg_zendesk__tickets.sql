-- One row per Zendesk ticket, typed; the latest landed version wins.
with source as (
    select * from {{ source('raw_zendesk', 'tickets') }}
    qualify row_number() over (partition by ticket_id order by updated_at desc, _loaded_at desc) = 1
)

select
    ticket_id,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    status,
    priority,
    ticket_type,
    channel,
    cast(tags as varchar) as tags_json,
    requester_key,
    submitter_key,
    assignee_key,
    group_id,
    organization_id,
    brand_id,
    satisfaction_score,
    _loaded_at as loaded_at
from source
