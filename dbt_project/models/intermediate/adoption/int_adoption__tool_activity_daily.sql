{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['actor_key', 'tool', 'activity_date'],
        on_schema_change='fail'
    )
}}
-- One row per person (or unresolved vendor identity), AI tool and day with any activity, with the
-- tool's intensity in its own unit. Incremental: each run rebuilds the last
-- var('adoption_lookback_days') days, because vendors fill recent days in late.

{% set lookback = var('adoption_lookback_days', 7) %}

with github as (
    select
        usage.activity_date,
        'github' as identity_source,
        usage.identity_key,
        ids.person_key,
        'github_copilot' as tool,
        -- Accepted inline completions plus the prompts the user sent to chat and agents (each counted
        -- once: chat insertions are the outcome of a prompt already counted).
        coalesce(usage.suggestions_accepted, 0) + usage.interaction_count as intensity_units,
        usage.suggestions_shown,
        usage.suggestions_accepted,
        usage.chat_insertions
    from {{ ref('stg_github_copilot__user_day_usage') }} as usage
    left join {{ ref('int_adoption__tool_identities') }} as ids
        on ids.source = 'github' and ids.identity_key = usage.identity_key
    {% if is_incremental() %}
    where usage.activity_date >= {{ days_before_latest('activity_date', lookback) }}
    {% endif %}
),

openai as (
    -- A project's usage belongs to the tool the seed openai_project_tools names; usage outside a
    -- mapped project is the organisation's general chat seat (openai_chatgpt).
    select
        usage.activity_date,
        'openai' as identity_source,
        usage.identity_key,
        max(ids.person_key) as person_key,
        coalesce(project_tools.tool, 'openai_chatgpt') as tool,
        sum(usage.model_requests) as intensity_units,
        cast(null as {{ dbt.type_bigint() }}) as suggestions_shown,
        cast(null as {{ dbt.type_bigint() }}) as suggestions_accepted,
        cast(null as {{ dbt.type_bigint() }}) as chat_insertions
    from {{ ref('stg_openai__completions_usage') }} as usage
    left join {{ ref('stg_openai__projects') }} as projects on projects.project_id = usage.project_id
    left join {{ ref('openai_project_tools') }} as project_tools on project_tools.project_name = projects.project_name
    left join {{ ref('int_adoption__tool_identities') }} as ids
        on ids.source = 'openai' and ids.identity_key = usage.identity_key
    where not usage.is_without_user
    {% if is_incremental() %}
        and usage.activity_date >= {{ days_before_latest('activity_date', lookback) }}
    {% endif %}
    group by usage.activity_date, usage.identity_key, coalesce(project_tools.tool, 'openai_chatgpt')
),

m365_app_days as (
    -- The report is a snapshot of last-activity dates: every date that appears in any snapshot
    -- (overall or per app) was an active day; a date that moves between snapshots is a new one.
    {% set app_columns = ['last_activity_date', 'chat_last_activity_date', 'teams_last_activity_date',
                          'word_last_activity_date', 'excel_last_activity_date',
                          'powerpoint_last_activity_date', 'outlook_last_activity_date'] %}
    {% for column in app_columns %}
    select person_key, '{{ column }}' as app, {{ column }} as activity_date
    from {{ ref('stg_m365_copilot__usage_user_detail') }}
    where {{ column }} is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

m365 as (
    select
        activity_date,
        'msgraph' as identity_source,
        person_key as identity_key,
        person_key,
        'm365_copilot' as tool,
        -- Apps used that day (the report says no more); the overall date counts when no app does.
        greatest(count(distinct case when app <> 'last_activity_date' then app end), 1) as intensity_units,
        cast(null as {{ dbt.type_bigint() }}) as suggestions_shown,
        cast(null as {{ dbt.type_bigint() }}) as suggestions_accepted,
        cast(null as {{ dbt.type_bigint() }}) as chat_insertions
    from m365_app_days
    {% if is_incremental() %}
    where activity_date >= {{ days_before_latest('activity_date', lookback) }}
    {% endif %}
    group by activity_date, person_key
),

unioned as (
    select * from github
    union all
    select * from openai
    union all
    select * from m365
)

select
    coalesce(person_key, {{ dbt.concat(['identity_source', "':'", 'identity_key']) }}) as actor_key,
    person_key,
    person_key is not null as is_resolved,
    identity_source,
    identity_key,
    tool,
    activity_date,
    cast(intensity_units as {{ dbt.type_bigint() }}) as intensity_units,
    case tool
        when 'github_copilot' then 'accepted inline completions + chat and agent prompts'
        when 'm365_copilot' then 'apps used'
        else 'model requests'
    end as intensity_unit,
    cast(suggestions_shown as {{ dbt.type_bigint() }}) as suggestions_shown,
    cast(suggestions_accepted as {{ dbt.type_bigint() }}) as suggestions_accepted,
    cast(chat_insertions as {{ dbt.type_bigint() }}) as chat_insertions
from unioned
