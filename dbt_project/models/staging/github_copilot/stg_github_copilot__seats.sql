-- One row per seat snapshot day and GitHub login.
select
    cast(snapshot_date as date) as snapshot_date,
    identity_key,
    coalesce(tool, 'github_copilot') as tool,
    plan_type,
    cast(seat_created_at as date) as licensed_since,
    cast(pending_cancellation_date as date) as pending_cancellation_date,
    cast(last_activity_at as date) as last_activity_date,
    assigning_team_slug,
    _loaded_at as loaded_at
from {{ source('raw_github_copilot', 'seats') }}
