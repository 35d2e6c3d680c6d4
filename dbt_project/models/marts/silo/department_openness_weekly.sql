-- Silo figures per department and ISO week (docs/metrics.md#silodepartment_openness_weekly).
-- Grain week_start x department_id.
--   E-I index = (E - I) / (E + I): E = ties from the department's people to other departments'
--     people, I = ties inside it (int_tickets__ties: once per pair and week).
--   openness = E / (E + I) for the department; organisation_openness = cross-department ties / all
--     ties of the week (the same for every department of the week).
--   ping-pong rate = ping-pong tickets resolved / tickets resolved, by the ticket's origin department
--     (where it started) and week of resolution.
--   boundary wait = median hours from a handoff to this (receiving) department's first action.
--   miscommunication per 100 tickets = tickets created with a configured label / tickets created x 100.
-- Tie figures describe people: below var('privacy_k') people with ties they are suppressed (null,
-- is_suppressed = true). Ticket counts are about tickets, not people, and stay published.
with ties as (
    select * from {{ ref('int_tickets__ties') }}
),

tie_ends as (
    -- Each tie seen from both ends, so a department's E counts ties leaving it.
    select activity_week, person_key_a as person_key, department_a as department_name, is_cross_department from ties
    union all
    select activity_week, person_key_b, department_b, is_cross_department from ties
),

people_with_ties as (
    select activity_week as week_start, department_name, count(distinct person_key) as people_with_ties
    from tie_ends
    group by activity_week, department_name
),

external_ties as (
    select activity_week as week_start, department_name, count(*) as ties_external
    from tie_ends
    where is_cross_department
    group by activity_week, department_name
),

internal_ties as (
    -- Both ends are in the department: count the tie once.
    select activity_week as week_start, department_a as department_name, count(*) as ties_internal
    from ties
    where not is_cross_department
    group by activity_week, department_a
),

department_ties as (
    select
        people_with_ties.week_start,
        people_with_ties.department_name,
        people_with_ties.people_with_ties,
        coalesce(external_ties.ties_external, 0) as ties_external,
        coalesce(internal_ties.ties_internal, 0) as ties_internal
    from people_with_ties
    left join external_ties
        on external_ties.week_start = people_with_ties.week_start
        and external_ties.department_name = people_with_ties.department_name
    left join internal_ties
        on internal_ties.week_start = people_with_ties.week_start
        and internal_ties.department_name = people_with_ties.department_name
),

organisation_ties as (
    select
        activity_week as week_start,
        cast(sum(case when is_cross_department then 1 else 0 end) as {{ type_double() }}) / count(*) as organisation_openness
    from ties
    group by activity_week
),

routing as (
    select * from {{ ref('int_tickets__routing') }}
    where origin_department is not null
),

resolved as (
    select
        resolved_week as week_start,
        origin_department as department_name,
        count(*) as tickets_resolved,
        count(case when is_pingpong then 1 end) as pingpong_tickets_resolved
    from routing
    where resolved_week is not null
    group by resolved_week, origin_department
),

created as (
    select
        created_week as week_start,
        origin_department as department_name,
        count(*) as tickets_created,
        count(case when is_miscommunication then 1 end) as miscommunication_tickets
    from routing
    group by created_week, origin_department
),

handoffs as (
    select * from {{ ref('int_tickets__handoffs') }}
),

handoffs_out as (
    select handoff_week as week_start, from_department as department_name, count(*) as handoffs_out
    from handoffs
    group by handoff_week, from_department
),

handoffs_in as (
    select
        handoff_week as week_start,
        to_department as department_name,
        count(*) as handoffs_in,
        count(case when is_passed_on then 1 end) as handoffs_in_passed_on,
        count(case when is_open then 1 end) as handoffs_in_open,
        {{ median('boundary_wait_calendar_hours') }} as boundary_wait_calendar_hours_median,
        {{ median('boundary_wait_business_hours') }} as boundary_wait_business_hours_median
    from handoffs
    group by handoff_week, to_department
),

weeks as (
    select week_start from department_ties
    union
    select week_start from resolved
    union
    select week_start from created
    union
    select week_start from handoffs_out
),

departments as (
    select department_name from {{ ref('dim_department') }}
    union
    select department_name from created
    union
    select department_name from handoffs_in
    union
    select department_name from handoffs_out
),

spine as (
    select weeks.week_start, departments.department_name
    from weeks
    cross join departments
),

joined as (
    select
        spine.week_start,
        spine.department_name,
        coalesce(department_ties.people_with_ties, 0) as people_with_ties,
        coalesce(department_ties.people_with_ties, 0) < {{ var('privacy_k') }} as is_suppressed,
        coalesce(department_ties.ties_external, 0) as ties_external,
        coalesce(department_ties.ties_internal, 0) as ties_internal,
        organisation_ties.organisation_openness,
        coalesce(resolved.tickets_resolved, 0) as tickets_resolved,
        coalesce(resolved.pingpong_tickets_resolved, 0) as pingpong_tickets_resolved,
        coalesce(created.tickets_created, 0) as tickets_created,
        coalesce(created.miscommunication_tickets, 0) as miscommunication_tickets,
        coalesce(handoffs_out.handoffs_out, 0) as handoffs_out,
        coalesce(handoffs_in.handoffs_in, 0) as handoffs_in,
        coalesce(handoffs_in.handoffs_in_passed_on, 0) as handoffs_in_passed_on,
        coalesce(handoffs_in.handoffs_in_open, 0) as handoffs_in_open,
        handoffs_in.boundary_wait_calendar_hours_median,
        handoffs_in.boundary_wait_business_hours_median
    from spine
    left join department_ties
        on department_ties.week_start = spine.week_start and department_ties.department_name = spine.department_name
    left join organisation_ties on organisation_ties.week_start = spine.week_start
    left join resolved on resolved.week_start = spine.week_start and resolved.department_name = spine.department_name
    left join created on created.week_start = spine.week_start and created.department_name = spine.department_name
    left join handoffs_out
        on handoffs_out.week_start = spine.week_start and handoffs_out.department_name = spine.department_name
    left join handoffs_in
        on handoffs_in.week_start = spine.week_start and handoffs_in.department_name = spine.department_name
)

select
    week_start,
    {{ period_is_complete('week_start', 'week') }} as is_complete,
    {{ department_id('department_name') }} as department_id,
    department_name,
    case when not is_suppressed then people_with_ties end as people_with_ties,
    case when not is_suppressed then ties_external end as ties_external,
    case when not is_suppressed then ties_internal end as ties_internal,
    case when not is_suppressed and ties_external + ties_internal > 0
        then cast(ties_external - ties_internal as {{ type_double() }}) / (ties_external + ties_internal) end as ei_index,
    case when not is_suppressed and ties_external + ties_internal > 0
        then cast(ties_external as {{ type_double() }}) / (ties_external + ties_internal) end as openness,
    is_suppressed,
    organisation_openness,
    tickets_resolved,
    pingpong_tickets_resolved,
    case when tickets_resolved > 0 then cast(pingpong_tickets_resolved as {{ type_double() }}) / tickets_resolved end as pingpong_rate,
    handoffs_out,
    handoffs_in,
    handoffs_in_passed_on,
    handoffs_in_open,
    boundary_wait_calendar_hours_median,
    boundary_wait_business_hours_median,
    tickets_created,
    miscommunication_tickets,
    case when tickets_created > 0 then cast(100.0 * miscommunication_tickets as {{ type_double() }}) / tickets_created end as miscommunication_per_100_tickets
from joined
