{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='calendar_date',
        on_schema_change='fail'
    )
}}
-- One row per person, AI tool and day on which they held a seat or had been active in the 30 days
-- before: the basis of DAU/WAU/MAU (active 0 / < 7 / < 28 days ago) and idle seats (a seat with no
-- activity in the last 30 days). Department and team are the person's on that day.
-- Incremental: a run rebuilds the days from var('adoption_lookback_days') before the latest one it
-- holds (the days vendors may still fill in), reading the 29 days of activity before them. Older
-- days depend on older activity only. A change reaching further back (a back-dated seat, a
-- corrected department history) needs `dbt build --full-refresh`.
{% set lookback = var('adoption_lookback_days', 7) | int %}
{%- set rebuild_from = days_before_latest('calendar_date', lookback) %}
{%- set read_activity_from = days_before_latest('calendar_date', lookback + 29) %}

with offsets as (
    {{ dbt.generate_series(30) }}
),

activity as (
    select * from {{ ref('int_adoption__tool_activity_daily') }}
    {% if is_incremental() -%}
    where activity_date >= {{ read_activity_from }}
    {%- endif %}
),

seats as (
    select * from {{ ref('int_adoption__seats_daily') }}
    {% if is_incremental() -%}
    where seat_date >= {{ rebuild_from }}
    {%- endif %}
),

covered as (
    -- Each active day covers itself and the 29 days after it.
    select
        activity.actor_key,
        activity.person_key,
        activity.tool,
        cast({{ dbt.dateadd('day', 'offsets.generated_number - 1', 'activity.activity_date') }} as date) as calendar_date,
        offsets.generated_number - 1 as days_since_active
    from activity
    cross join offsets
),

recency as (
    select
        covered.actor_key,
        max(covered.person_key) as person_key,
        covered.tool,
        covered.calendar_date,
        min(covered.days_since_active) as days_since_active
    from covered
    inner join {{ ref('int_adoption__as_of') }} as as_of on covered.calendar_date <= as_of.as_of_date
    {% if is_incremental() -%}
    where covered.calendar_date >= {{ rebuild_from }}
    {%- endif %}
    group by covered.actor_key, covered.tool, covered.calendar_date
),

combined as (
    select
        coalesce(recency.actor_key, seats.actor_key) as actor_key,
        coalesce(recency.person_key, seats.person_key) as person_key,
        coalesce(recency.tool, seats.tool) as tool,
        coalesce(recency.calendar_date, seats.seat_date) as calendar_date,
        seats.actor_key is not null as has_seat,
        recency.days_since_active
    from recency
    full outer join seats
        on seats.actor_key = recency.actor_key
        and seats.tool = recency.tool
        and seats.seat_date = recency.calendar_date
)

select
    combined.actor_key,
    combined.person_key,
    combined.tool,
    combined.calendar_date,
    departments.department_name,
    departments.team_name,
    combined.has_seat,
    combined.days_since_active,
    coalesce(combined.days_since_active = 0, false) as is_active_today,
    activity.intensity_units,
    activity.suggestions_shown,
    activity.suggestions_accepted,
    activity.chat_insertions
from combined
left join activity
    on activity.actor_key = combined.actor_key
    and activity.tool = combined.tool
    and activity.activity_date = combined.calendar_date
left join {{ ref('int_org__person_departments') }} as departments
    on departments.person_key = combined.person_key
    and departments.valid_from <= combined.calendar_date
    and {{ ends_after('departments.valid_to', 'combined.calendar_date') }}
