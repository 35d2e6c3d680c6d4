-- Daily AI-tool usage per department (docs/metrics.md#adoptiontool_usage_daily): seats, DAU / WAU /
-- MAU (active on the day / in the trailing 7 / 28 days), activation = seat holders active in 28 days
-- / seats, stickiness = DAU / MAU, intensity = activity units per active person that day (unit named
-- per tool), idle seats (no activity in 30 days) and their monthly cost, acceptance rate of code
-- assistants, chat code insertions (GitHub Copilot). Privacy floor k on the group (people of the
-- department with a seat or activity in the 30 days), with complementary suppression against the
-- organisation's total per day and tool.
-- People whose identity is unresolved have no department and are left out here (counted in the intermediate).
-- Unknown is not zero: a figure whose window (the day, 7, 28 or 30 days) reaches before the tool's
-- usage history (int_adoption__tool_coverage) is NULL, with status insufficient_data and the reason.
{% set k = var('privacy_k') | int %}
with daily as (
    select *
    from {{ ref('int_adoption__person_tool_daily') }}
    where department_name is not null
),

catalogue as (
    select * from {{ ref('int_adoption__tool_catalogue') }}
),

grouped as (
    -- The daily grain is actor x tool x day, so each actor is one row of a (day, tool, department)
    -- group: counting rows is counting people (count(distinct) costs a hash set per group).
    select
        calendar_date,
        tool,
        department_name,
        count(*) as people,
        sum(case when has_seat then 1 else 0 end) as seats,
        sum(case when days_since_active = 0 then 1 else 0 end) as daily_active_users,
        sum(case when days_since_active < 7 then 1 else 0 end) as weekly_active_users,
        sum(case when days_since_active < 28 then 1 else 0 end) as monthly_active_users,
        sum(case when has_seat and days_since_active < 28 then 1 else 0 end) as licensed_monthly_active_users,
        sum(case when has_seat and (days_since_active is null or days_since_active >= 30) then 1 else 0 end) as idle_seats,
        sum(intensity_units) as intensity_units,
        sum(suggestions_shown) as suggestions_shown,
        sum(suggestions_accepted) as suggestions_accepted,
        sum(chat_insertions) as chat_insertions
    from daily
    group by calendar_date, tool, department_name
),

with_organisation as (
    -- The organisation's total per day and tool is readable elsewhere (silo.ai_tool_fragmentation's
    -- month-end seats), so it counts as a published total for complementary suppression.
    select calendar_date, tool, department_name, people from grouped
    union all
    select calendar_date, tool, '__organisation__', sum(people) from grouped group by calendar_date, tool
),

suppression as (
    {{ complementary_suppression('with_organisation', ['calendar_date', 'tool'], 'department_name', '__organisation__', 'people', k) }}
),

aggregated as (
    select
        grouped.*,
        suppression.is_suppressed,
        coverage.history_from,
        -- Days of known history up to the day; -1 when the tool has none yet.
        coalesce({{ dbt.datediff('coverage.history_from', 'grouped.calendar_date', 'day') }}, -1) as known_days
    from grouped
    inner join suppression
        on suppression.calendar_date = grouped.calendar_date
        and suppression.tool = grouped.tool
        and suppression.department_name = grouped.department_name
    left join {{ ref('int_adoption__tool_coverage') }} as coverage on coverage.tool = grouped.tool
)

select
    cast(aggregated.calendar_date as date) as usage_date,
    cast(aggregated.tool as {{ dbt.type_string() }}) as tool,
    cast(lower(replace(aggregated.department_name, ' ', '_')) as {{ dbt.type_string() }}) as department_id,
    cast(aggregated.department_name as {{ dbt.type_string() }}) as department_name,
    cast(catalogue.capability as {{ dbt.type_string() }}) as capability,
    cast({{ unless_suppressed('aggregated.people', 'aggregated.is_suppressed') }} as {{ dbt.type_bigint() }}) as people,
    cast({{ unless_suppressed('aggregated.seats', 'aggregated.is_suppressed') }} as {{ dbt.type_bigint() }}) as seats,
    cast({{ if_known(unless_suppressed('aggregated.daily_active_users', 'aggregated.is_suppressed'), 'aggregated.known_days') }} as {{ dbt.type_bigint() }}) as daily_active_users,
    cast({{ if_known(unless_suppressed('aggregated.weekly_active_users', 'aggregated.is_suppressed'), 'aggregated.known_days', 6) }} as {{ dbt.type_bigint() }}) as weekly_active_users,
    cast({{ if_known(unless_suppressed('aggregated.monthly_active_users', 'aggregated.is_suppressed'), 'aggregated.known_days', 27) }} as {{ dbt.type_bigint() }}) as monthly_active_users,
    cast(case when aggregated.is_suppressed or not aggregated.known_days >= 27 then null when aggregated.seats > 0
              then 1.0 * aggregated.licensed_monthly_active_users / aggregated.seats end as {{ type_double() }}) as activation_rate,
    cast(case when aggregated.is_suppressed or not aggregated.known_days >= 27 then null when aggregated.monthly_active_users > 0
              then 1.0 * aggregated.daily_active_users / aggregated.monthly_active_users end as {{ type_double() }}) as stickiness,
    cast(case when aggregated.is_suppressed or not aggregated.known_days >= 0 then null when aggregated.daily_active_users > 0
              then 1.0 * aggregated.intensity_units / aggregated.daily_active_users end as {{ type_double() }}) as intensity,
    cast(case aggregated.tool
        when 'github_copilot' then 'accepted inline completions + chat and agent prompts'
        when 'm365_copilot' then 'apps used'
        else 'model requests'
    end as {{ dbt.type_string() }}) as intensity_unit,
    cast({{ if_known(unless_suppressed('aggregated.idle_seats', 'aggregated.is_suppressed'), 'aggregated.known_days', 29) }} as {{ dbt.type_bigint() }}) as idle_seats,
    cast({{ if_known(unless_suppressed('aggregated.idle_seats * catalogue.monthly_seat_price_eur', 'aggregated.is_suppressed'), 'aggregated.known_days', 29) }} as {{ type_double() }}) as idle_seat_monthly_cost_eur,
    cast(case when aggregated.is_suppressed or not aggregated.known_days >= 0 then null when catalogue.capability = 'code_assistant' and aggregated.suggestions_shown > 0
              then 1.0 * aggregated.suggestions_accepted / aggregated.suggestions_shown end as {{ type_double() }}) as acceptance_rate,
    -- Chat and agent code blocks inserted: their own figure, never part of the acceptance rate.
    cast({{ if_known(unless_suppressed('aggregated.chat_insertions', 'aggregated.is_suppressed'), 'aggregated.known_days') }} as {{ dbt.type_bigint() }}) as chat_code_insertions,
    aggregated.is_suppressed,
    cast(aggregated.history_from as date) as usage_history_from,
    cast(case when aggregated.known_days >= 29 then 'ok' else 'insufficient_data' end as {{ dbt.type_string() }}) as status,
    cast({{ coverage_reason('aggregated.history_from', 'aggregated.known_days', 29) }} as {{ dbt.type_string() }}) as status_reason
from aggregated
left join catalogue
    on catalogue.tool = aggregated.tool
    and catalogue.valid_from <= aggregated.calendar_date
    and {{ ends_after('catalogue.valid_to', 'aggregated.calendar_date') }}
