{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='week_start',
        on_schema_change='fail'
    )
}}
-- One row per complete ISO week, AI tool and team: team headcount on the week's last day, seat
-- holders, people trained in any AI module by then, and team members active with the tool that week.
-- Every team x tool x week is listed, so a team that has not started shows up as such.
-- Incremental: a run rebuilds the weeks holding a day int_adoption__person_tool_daily rebuilt. That
-- model rebuilds from var('adoption_lookback_days') before its latest day, which is at least the last
-- day of the latest week held here. A tool's weeks before its first use appear after a full refresh.
{%- set lookback = var('adoption_lookback_days', 7) | int %}
{%- set rebuild_from = 'cast(' ~ dbt.date_trunc('week', days_before_latest('week_start', lookback - 6)) ~ ' as date)' %}

with weeks as (
    select distinct cast({{ dbt.date_trunc('week', 'calendar_date') }} as date) as week_start
    from {{ ref('int_adoption__calendar_days') }}
    {% if is_incremental() -%}
    where calendar_date >= {{ rebuild_from }}
    {%- endif %}
),

complete_weeks as (
    select
        weeks.week_start,
        cast({{ dbt.dateadd('day', 6, 'weeks.week_start') }} as date) as week_end
    from weeks
    cross join {{ ref('int_adoption__as_of') }} as as_of
    where {{ dbt.dateadd('day', 6, 'weeks.week_start') }} <= as_of.as_of_date
),

tools as (
    select distinct tool from {{ ref('int_adoption__person_tool_daily') }}
),

members as (
    -- Who is in which team on the week's last day (employed then).
    select
        complete_weeks.week_start,
        complete_weeks.week_end,
        periods.person_key,
        periods.department_name,
        coalesce(periods.team_name, periods.department_name) as team_name
    from complete_weeks
    inner join {{ ref('int_org__person_departments') }} as periods
        on {{ employed_in_period('periods', 'complete_weeks.week_end') }}
),

trained as (
    select person_key, min(completed_on) as first_completed_on
    from {{ ref('int_training__enrolments') }}
    where completed_on is not null
    group by person_key
),

usage as (
    -- Per member, tool and week: active on any day of it, holding a seat on its last day.
    select
        cast({{ dbt.date_trunc('week', 'calendar_date') }} as date) as week_start,
        person_key,
        tool,
        max(case when is_active_today then 1 else 0 end) as was_active,
        max(case when has_seat and calendar_date = cast({{ dbt.dateadd('day', 6, dbt.date_trunc('week', 'calendar_date')) }} as date)
                 then 1 else 0 end) as had_seat_at_week_end
    from {{ ref('int_adoption__person_tool_daily') }}
    where person_key is not null
    {% if is_incremental() -%}
    and calendar_date >= {{ rebuild_from }}
    {%- endif %}
    group by cast({{ dbt.date_trunc('week', 'calendar_date') }} as date), person_key, tool
)

-- Periods of a person do not overlap, so members has one row per week and person, and the joins
-- below keep one row per week, person and tool: counting rows is counting people.
select
    members.week_start,
    tools.tool,
    members.department_name,
    members.team_name,
    cast(count(*) as {{ dbt.type_bigint() }}) as headcount,
    cast(sum(case when usage.had_seat_at_week_end = 1 then 1 else 0 end) as {{ dbt.type_bigint() }}) as seat_holders,
    cast(sum(case when trained.first_completed_on <= members.week_end then 1 else 0 end) as {{ dbt.type_bigint() }}) as trained_people,
    cast(sum(case when usage.was_active = 1 then 1 else 0 end) as {{ dbt.type_bigint() }}) as weekly_active_users
from members
cross join tools
left join usage
    on usage.week_start = members.week_start
    and usage.person_key = members.person_key
    and usage.tool = tools.tool
left join trained on trained.person_key = members.person_key
group by members.week_start, tools.tool, members.department_name, members.team_name
