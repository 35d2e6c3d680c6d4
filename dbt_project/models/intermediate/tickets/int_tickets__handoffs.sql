-- depends_on: {{ ref('int_tickets__source_loads') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- Cross-department handoffs (METRICS.md §1): a change of a ticket's responsible department.
-- Grain ticket_id x handoff_number. A group change inside one department (Support Tier 1 -> Tier 2)
-- is not a handoff; states whose department is unknown are skipped, not counted as departments.
-- boundary wait: from the handoff to the receiving department's first action on the ticket
-- (comment, status change or resolution by someone then in that department), in calendar hours and
-- in business hours of the working calendar; null while nobody there has acted.
with states as (
    select * from {{ ref('int_tickets__state_history') }}
    where department_name is not null and {{ changed_tickets_filter('ticket_id') }}
),

sequenced as (
    select
        *,
        lag(department_name) over (partition by ticket_id order by valid_from) as from_department
    from states
),

handoffs as (
    select
        ticket_system,
        ticket_id,
        valid_from as handoff_at,
        from_department,
        department_name as to_department,
        source_loaded_at
    from sequenced
    where from_department is not null and from_department <> department_name
),

numbered as (
    select
        *,
        row_number() over (partition by ticket_id order by handoff_at) as handoff_number
    from handoffs
),

visited as (
    -- Departments that held the ticket before each handoff (the first holder included).
    select numbered.ticket_id, numbered.handoff_number,
        max(case when states.department_name = numbered.to_department then 1 else 0 end) as returns_flag
    from numbered
    inner join states
        on states.ticket_id = numbered.ticket_id and states.valid_from < numbered.handoff_at
    group by numbered.ticket_id, numbered.handoff_number
),

first_response as (
    select numbered.ticket_id, numbered.handoff_number, min(activity.acted_at) as first_response_at
    from numbered
    inner join {{ ref('int_tickets__activity') }} as activity
        on activity.ticket_id = numbered.ticket_id
        and activity.is_response
        and activity.department_name = numbered.to_department
        and activity.acted_at >= numbered.handoff_at
    group by numbered.ticket_id, numbered.handoff_number
),

business as (
    select
        numbered.ticket_id,
        numbered.handoff_number,
        sum(
            case when calendar.is_working_day then
                greatest(0, {{ dbt.datediff(
                    'greatest(numbered.handoff_at, calendar.work_start_at)',
                    'least(first_response.first_response_at, calendar.work_end_at)',
                    'second') }})
            else 0 end
        ) / 3600.0 as boundary_wait_business_hours
    from numbered
    inner join first_response
        on first_response.ticket_id = numbered.ticket_id and first_response.handoff_number = numbered.handoff_number
    inner join {{ ref('int_tickets__working_hours') }} as calendar
        on calendar.calendar_date between cast(numbered.handoff_at as date) and cast(first_response.first_response_at as date)
    group by numbered.ticket_id, numbered.handoff_number
)

select
    numbered.ticket_system,
    numbered.ticket_id,
    numbered.handoff_number,
    numbered.handoff_at,
    cast({{ dbt.date_trunc('week', 'numbered.handoff_at') }} as date) as handoff_week,
    numbered.from_department,
    numbered.to_department,
    coalesce(visited.returns_flag, 0) = 1 as is_return,
    first_response.first_response_at,
    {{ dbt.datediff('numbered.handoff_at', 'first_response.first_response_at', 'second') }} / 3600.0
        as boundary_wait_calendar_hours,
    business.boundary_wait_business_hours,
    numbered.source_loaded_at
from numbered
left join visited
    on visited.ticket_id = numbered.ticket_id and visited.handoff_number = numbered.handoff_number
left join first_response
    on first_response.ticket_id = numbered.ticket_id and first_response.handoff_number = numbered.handoff_number
left join business
    on business.ticket_id = numbered.ticket_id and business.handoff_number = numbered.handoff_number
