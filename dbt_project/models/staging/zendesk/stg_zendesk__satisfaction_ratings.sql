-- One row per CSAT rating.
with source as (
    {{ latest_rows(source('raw_zendesk', 'satisfaction_ratings'), ['rating_id'], order_by='updated_at desc, _loaded_at desc') }}
)

select
    rating_id,
    ticket_id,
    score,
    assignee_key,
    group_id,
    requester_key,
    reason,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at as loaded_at
from source
