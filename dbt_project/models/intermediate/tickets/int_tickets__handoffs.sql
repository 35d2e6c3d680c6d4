-- depends_on: {{ ref('int_tickets__source_loads') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- Cross-department handoffs (docs/metrics.md, silo marts): a change of a ticket's responsible department.
-- Grain ticket_id x handoff_number. A group change inside one department (Support Tier 1 -> Tier 2)
-- is not a handoff; states whose department is unknown are skipped, not counted as departments.
-- boundary wait: from the handoff to the receiving department's first action (comment, status change
-- or resolution by someone then in that department) while it holds the ticket, i.e. up to the next
-- handoff; in calendar hours and in business hours of the schedule of the group and department that
-- was waiting (macros/working_calendar.sql). A department that passes the ticket on without acting
-- has no wait (is_passed_on); one that holds it and has not acted yet has an open wait (is_open).
with states as (
    select * from {{ ref('int_tickets__state_history') }}
    -- The tickets in scope, or all of them once the calendars changed.
    where department_name is not null
        and ({{ changed_tickets_filter('ticket_id') }} or {{ calendar_changed_filter() }})
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
        group_name as to_group_name,
        source_loaded_at
    from sequenced
    where from_department is not null and from_department <> department_name
),

numbered as (
    select
        *,
        row_number() over (partition by ticket_id order by handoff_at) as handoff_number,
        -- The receiving department holds the ticket until the next handoff.
        lead(handoff_at) over (partition by ticket_id order by handoff_at) as passed_on_at
    from handoffs
),

waiting as (
    select numbered.*, {{ working_schedule_id('waiting_schedule') }} as waiting_schedule_id
    from numbered
    {{ working_schedule_joins('numbered.ticket_system', 'numbered.to_group_name', 'numbered.to_department', 'waiting_schedule') }}
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
        and (numbered.passed_on_at is null or activity.acted_at <= numbered.passed_on_at)
    group by numbered.ticket_id, numbered.handoff_number
),

business as (
    -- Working seconds of the waiting schedule between the handoff and the first action.
    select
        waiting.ticket_id,
        waiting.handoff_number,
        ({{ working_clock('end_clock', 'first_response.first_response_at') }}
            - {{ working_clock('start_clock', 'waiting.handoff_at') }}) / {{ double_literal('3600.0') }} as boundary_wait_business_hours
    from waiting
    inner join first_response
        on first_response.ticket_id = waiting.ticket_id and first_response.handoff_number = waiting.handoff_number
    {{ working_clock_join('start_clock', 'waiting.waiting_schedule_id', 'waiting.handoff_at') }}
    {{ working_clock_join('end_clock', 'waiting.waiting_schedule_id', 'first_response.first_response_at') }}
    group by waiting.ticket_id, waiting.handoff_number
)

select
    waiting.ticket_system,
    waiting.ticket_id,
    waiting.handoff_number,
    waiting.handoff_at,
    cast({{ dbt.date_trunc('week', 'waiting.handoff_at') }} as date) as handoff_week,
    waiting.from_department,
    waiting.to_department,
    coalesce(visited.returns_flag, 0) = 1 as is_return,
    waiting.waiting_schedule_id,
    first_response.first_response_at,
    waiting.passed_on_at,
    first_response.first_response_at is null and waiting.passed_on_at is not null as is_passed_on,
    first_response.first_response_at is null and waiting.passed_on_at is null as is_open,
    {{ dbt.datediff('waiting.handoff_at', 'first_response.first_response_at', 'second') }} / {{ double_literal('3600.0') }}
        as boundary_wait_calendar_hours,
    business.boundary_wait_business_hours,
    waiting.source_loaded_at
from waiting
left join visited
    on visited.ticket_id = waiting.ticket_id and visited.handoff_number = waiting.handoff_number
left join first_response
    on first_response.ticket_id = waiting.ticket_id and first_response.handoff_number = waiting.handoff_number
left join business
    on business.ticket_id = waiting.ticket_id and business.handoff_number = waiting.handoff_number
