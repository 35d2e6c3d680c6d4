-- One row per GitHub login and active day; counters typed, no business logic.
select
    cast(day as date) as activity_date,
    identity_key,
    coalesce(tool, 'github_copilot') as tool,
    coalesce(user_initiated_interaction_count, 0) as interaction_count,
    coalesce(code_generation_activity_count, 0) as suggestions_shown,
    coalesce(code_acceptance_activity_count, 0) as suggestions_accepted,
    coalesce(loc_suggested_to_add_sum, 0) as loc_suggested,
    coalesce(loc_added_sum, 0) as loc_added,
    coalesce(used_chat, false) as used_chat,
    coalesce(used_agent, false) as used_agent,
    _loaded_at as loaded_at
from {{ source('raw_github_copilot', 'user_day_usage') }}
