{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month_start',
        on_schema_change='fail'
    )
}}
-- Each person's use of each AI tool as of every month's reference day (its last day, or the as-of
-- day for the running month), over the trailing 12 weeks (docs/metrics.md, adoption marts, usage segment): weeks with
-- any activity, active days, intensity per active day and its quartile and decile among the tool's
-- active users. Seat holders without activity in the window are kept (licensed but inactive).
-- Grain: month_start x actor_key x tool. Department is the person's on the reference day.
-- Incremental: a run rebuilds the months whose reference day falls on or after the day
-- var('adoption_lookback_days') before the latest reference day it holds, which covers every day
-- int_adoption__person_tool_daily rebuilt; earlier months are final.
{% set window_days = 84 %}
{%- set rebuild_from = days_before_latest('reference_date', var('adoption_lookback_days', 7)) %}

with months as (
    select distinct cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start
    from {{ ref('int_adoption__calendar_days') }}
    {% if is_incremental() -%}
    where calendar_date >= {{ rebuild_from }}
    {%- endif %}
),

reference_days as (
    select
        months.month_start,
        case
            when as_of.as_of_date < cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date)
                then as_of.as_of_date
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date)
        end as reference_date
    from months
    cross join {{ ref('int_adoption__as_of') }} as as_of
),

daily as (
    select * from {{ ref('int_adoption__person_tool_daily') }}
    {% if is_incremental() -%}
    where calendar_date > {{ dbt.dateadd('day', -window_days, '(select min(reference_date) from reference_days)') }}
    {%- endif %}
),

windowed as (
    select
        reference_days.month_start,
        reference_days.reference_date,
        daily.actor_key,
        daily.person_key,
        daily.tool,
        floor({{ dbt.datediff('daily.calendar_date', 'reference_days.reference_date', 'day') }} / 7) as weeks_back,
        daily.intensity_units
    from daily
    inner join reference_days
        on daily.calendar_date <= reference_days.reference_date
        and daily.calendar_date > {{ dbt.dateadd('day', -window_days, 'reference_days.reference_date') }}
    where daily.is_active_today
),

activity as (
    select
        month_start,
        reference_date,
        actor_key,
        max(person_key) as person_key,
        tool,
        count(distinct weeks_back) as active_weeks,
        count(*) as active_days,
        1.0 * coalesce(sum(intensity_units), 0) / count(*) as intensity_per_active_day
    from windowed
    group by month_start, reference_date, actor_key, tool
),

ranked as (
    -- actor_key breaks ties, so equal intensities fall in the same buckets on every build.
    select
        *,
        ntile(4) over (partition by month_start, tool order by intensity_per_active_day, actor_key) as intensity_quartile,
        ntile(10) over (partition by month_start, tool order by intensity_per_active_day, actor_key) as intensity_decile
    from activity
),

seats as (
    select reference_days.month_start, reference_days.reference_date, daily.actor_key, daily.person_key, daily.tool
    from daily
    inner join reference_days on daily.calendar_date = reference_days.reference_date
    where daily.has_seat
),

people as (
    select
        coalesce(ranked.month_start, seats.month_start) as month_start,
        coalesce(ranked.reference_date, seats.reference_date) as reference_date,
        coalesce(ranked.actor_key, seats.actor_key) as actor_key,
        coalesce(ranked.person_key, seats.person_key) as person_key,
        coalesce(ranked.tool, seats.tool) as tool,
        seats.actor_key is not null as has_seat,
        coalesce(ranked.active_weeks, 0) as active_weeks,
        coalesce(ranked.active_days, 0) as active_days,
        ranked.intensity_per_active_day,
        ranked.intensity_quartile,
        ranked.intensity_decile
    from ranked
    full outer join seats
        on seats.month_start = ranked.month_start
        and seats.actor_key = ranked.actor_key
        and seats.tool = ranked.tool
)

select
    people.month_start,
    people.reference_date,
    people.actor_key,
    people.person_key,
    people.tool,
    dept.department_name,
    people.has_seat,
    people.active_weeks,
    people.active_days,
    people.intensity_per_active_day,
    people.intensity_quartile,
    people.intensity_decile,
    case
        when people.active_weeks >= {{ var('habitual_min_active_weeks', 9) }} and people.intensity_quartile = 4 then 'power'
        when people.active_weeks >= {{ var('habitual_min_active_weeks', 9) }} then 'habitual'
        when people.active_weeks >= 1 then 'occasional'
        else 'licensed_inactive'
    end as usage_segment
from people
{{ department_on_day_join('people.person_key', 'people.reference_date', 'dept') }}
