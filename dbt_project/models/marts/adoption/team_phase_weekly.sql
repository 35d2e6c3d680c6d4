-- Adoption phase per ISO week, AI tool and team, from the four-phase model of the article on
-- change metrics (docs/metrics.md#adoptionteam_phase_weekly): awareness (trained or licensed, WAU
-- share below the pilot threshold), pilot, scaling, and embedded once the share stays at or above the
-- embedded threshold for N consecutive weeks. Privacy floor k on the team's headcount (org structure,
-- published): below k every people figure is NULL. The department's own figures are published in
-- adoption.tool_usage_daily (its WAU on a Sunday is the ISO week's), so where exactly one team of a
-- department is hidden the next smallest team is hidden too (complementary suppression).
-- Unknown is not zero: a week that starts before the tool's usage history (int_adoption__tool_coverage)
-- has no WAU and no phase, status insufficient_data with the reason.
{% set pilot = var('adoption_phase_pilot_share', 0.10) %}
{% set scaling = var('adoption_phase_scaling_share', 0.40) %}
{% set embedded = var('adoption_phase_embedded_share', 0.70) %}
{% set embedded_weeks = var('adoption_phase_embedded_weeks', 8) %}
{% set k = var('privacy_k') | int %}

with weekly as (
    select
        week_start,
        tool,
        department_name,
        team_name,
        headcount,
        seat_holders,
        trained_people,
        weekly_active_users,
        case when headcount > 0 then 1.0 * weekly_active_users / headcount end as wau_share
    from {{ ref('int_adoption__team_tool_weekly') }}
),

streaks as (
    -- Gaps and islands: weeks at or above the embedded share, counted in a row per team and tool.
    select
        weekly.*,
        case when wau_share >= {{ embedded }} then 1 else 0 end as is_high,
        row_number() over (partition by tool, department_name, team_name order by week_start)
        - row_number() over (
            partition by tool, department_name, team_name, case when wau_share >= {{ embedded }} then 1 else 0 end
            order by week_start
        ) as streak_group
    from weekly
),

counted as (
    select
        streaks.*,
        case when is_high = 1
             then row_number() over (partition by tool, department_name, team_name, is_high, streak_group order by week_start)
             else 0 end as consecutive_high_weeks
    from streaks
),

known as (
    -- Days of usage history known by the week's start (-1: the tool has none yet).
    select
        counted.*,
        coverage.history_from,
        coalesce({{ dbt.datediff('coverage.history_from', 'counted.week_start', 'day') }}, -1) as known_days
    from counted
    left join {{ ref('int_adoption__tool_coverage') }} as coverage on coverage.tool = counted.tool
),

with_department as (
    -- The department as the published total of its teams (always counted as published: safe side).
    select week_start, tool, department_name, team_name, headcount from weekly
    union all
    select week_start, tool, department_name, '__department__', {{ k }} from weekly
    group by week_start, tool, department_name
),

suppression as (
    {{ complementary_suppression('with_department', ['week_start', 'tool', 'department_name'], 'team_name', '__department__', 'headcount', k) }}
)

select
    cast(counted.week_start as date) as week_start,
    cast(counted.tool as {{ dbt.type_string() }}) as tool,
    cast(lower(replace(counted.department_name, ' ', '_')) as {{ dbt.type_string() }}) as department_id,
    cast({{ dbt.concat([department_id('counted.department_name'), "'__'", department_id('counted.team_name')]) }} as {{ dbt.type_string() }}) as team_id,
    cast(counted.team_name as {{ dbt.type_string() }}) as team_name,
    cast(counted.headcount as {{ dbt.type_bigint() }}) as headcount,
    cast(case when not suppression.is_suppressed then counted.seat_holders end as {{ dbt.type_bigint() }}) as seat_holders,
    cast(case when not suppression.is_suppressed then counted.trained_people end as {{ dbt.type_bigint() }}) as trained_people,
    cast(case when not suppression.is_suppressed and counted.known_days >= 0 then counted.weekly_active_users end as {{ dbt.type_bigint() }}) as weekly_active_users,
    cast(case when not suppression.is_suppressed and counted.known_days >= 0 then counted.wau_share end as {{ type_double() }}) as wau_share,
    cast(case when not suppression.is_suppressed and counted.known_days >= 0 then counted.consecutive_high_weeks end as {{ dbt.type_int() }}) as consecutive_embedded_weeks,
    cast(case
        when suppression.is_suppressed or not counted.known_days >= 0 then null
        when counted.wau_share >= {{ embedded }} and counted.consecutive_high_weeks >= {{ embedded_weeks }} then 'embedded'
        when counted.wau_share >= {{ scaling }} then 'scaling'
        when counted.wau_share >= {{ pilot }} then 'pilot'
        when counted.seat_holders > 0 or counted.trained_people > 0 or counted.weekly_active_users > 0 then 'awareness'
        else 'not_started'
    end as {{ dbt.type_string() }}) as adoption_phase,
    suppression.is_suppressed,
    cast(counted.history_from as date) as usage_history_from,
    cast(case when counted.known_days >= 0 then 'ok' else 'insufficient_data' end as {{ dbt.type_string() }}) as status,
    cast({{ coverage_reason('counted.history_from', 'counted.known_days', 0) }} as {{ dbt.type_string() }}) as status_reason
from known as counted
inner join suppression
    on suppression.week_start = counted.week_start
    and suppression.tool = counted.tool
    and suppression.department_name = counted.department_name
    and suppression.team_name = counted.team_name
