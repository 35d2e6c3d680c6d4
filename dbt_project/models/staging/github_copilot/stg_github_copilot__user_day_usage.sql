-- One row per GitHub login and active day; counters typed. Suggestions shown / accepted are GitHub's
-- "code completions": the inline completions of the report's code_completion feature, not the code
-- blocks chat or agents generated (those count in the totals too). A report without a feature
-- breakdown leaves them NULL rather than guessing from the totals.
with completions as (
    select
        day,
        identity_key,
        sum(code_generation_activity_count) as completions_shown,
        sum(code_acceptance_activity_count) as completions_accepted
    from {{ source('raw_github_copilot', 'user_day_feature') }}
    where feature = 'code_completion'
    group by day, identity_key
),

breakdowns as (
    select distinct day, identity_key from {{ source('raw_github_copilot', 'user_day_feature') }}
)

select
    cast(usage.day as date) as activity_date,
    usage.identity_key,
    coalesce(usage.tool, 'github_copilot') as tool,
    coalesce(usage.user_initiated_interaction_count, 0) as interaction_count,
    case when breakdowns.day is not null then coalesce(completions.completions_shown, 0) end as suggestions_shown,
    case when breakdowns.day is not null then coalesce(completions.completions_accepted, 0) end as suggestions_accepted,
    -- Accepted code that did not come from inline completions (chat and agent code blocks inserted).
    case when breakdowns.day is not null
        then greatest(coalesce(usage.code_acceptance_activity_count, 0) - coalesce(completions.completions_accepted, 0), 0)
    end as chat_insertions,
    coalesce(usage.loc_suggested_to_add_sum, 0) as loc_suggested,
    coalesce(usage.loc_added_sum, 0) as loc_added,
    coalesce(usage.used_chat, false) as used_chat,
    coalesce(usage.used_agent, false) as used_agent,
    usage._loaded_at as loaded_at
from {{ source('raw_github_copilot', 'user_day_usage') }} as usage
left join completions on completions.day = usage.day and completions.identity_key = usage.identity_key
left join breakdowns on breakdowns.day = usage.day and breakdowns.identity_key = usage.identity_key
