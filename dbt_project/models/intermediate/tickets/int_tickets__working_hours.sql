-- One row per calendar day with its working window (null on days the calendar does not work), so
-- business-hour durations are a sum of overlaps with these windows. The span is a project var.
with days as (
    {{ dbt.date_spine('day',
        "cast('" ~ var('working_calendar_start', '2015-01-01') ~ "' as date)",
        "cast('" ~ var('working_calendar_end', '2036-01-01') ~ "' as date)") }}
),

calendar as (
    select cast(date_day as date) as calendar_date
    from days
)

select
    calendar.calendar_date,
    working_calendar.iso_day_of_week is not null as is_working_day,
    {{ dbt.dateadd('hour', 'working_calendar.work_start_hour', 'cast(calendar.calendar_date as timestamp)') }} as work_start_at,
    {{ dbt.dateadd('hour', 'working_calendar.work_end_hour', 'cast(calendar.calendar_date as timestamp)') }} as work_end_at
from calendar
left join {{ ref('working_calendar') }} as working_calendar
    on working_calendar.iso_day_of_week = extract(isodow from calendar.calendar_date)
