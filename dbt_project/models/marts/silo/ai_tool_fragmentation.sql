-- AI-tool fragmentation per month, capability and tool (docs/metrics.md#siloai_tool_fragmentation):
-- how many departments a tool serves, whether it is an island (it serves exactly one department
-- while another tool of the same capability serves other departments) and the duplicate licence
-- spend of an island = its seats in that department x the catalogue's monthly seat price. A
-- department counts as served when at least var('fragmentation_min_department_users') of its people,
-- and never fewer than the privacy floor k, held a seat or used the tool that month, so a single
-- colleague who moved departments with their seat does not make a tool "shared" and no department
-- is named for fewer than k people. Seats and users of a tool with fewer than k people in the
-- month are withheld (is_suppressed). People and users are counted once per tool and month, in
-- whichever departments they were (seats are the month's last day's, one department each).
{% set k = var('privacy_k') | int %}
{% set min_users = [var('fragmentation_min_department_users', 3) | int, k] | max %}

with daily as (
    select *
    from {{ ref('int_adoption__person_tool_daily') }}
    where department_name is not null
        and (has_seat or days_since_active = 0)
),

month_ends as (
    -- The last reported day of each month: its seats are the month's seats.
    select
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start,
        max(calendar_date) as last_day
    from {{ ref('int_adoption__calendar_days') }}
    group by 1
),

per_department as (
    select
        cast({{ dbt.date_trunc('month', 'daily.calendar_date') }} as date) as month_start,
        daily.tool,
        daily.department_name,
        count(distinct daily.actor_key) as users,
        count(distinct case when daily.has_seat and daily.calendar_date = month_ends.last_day then daily.actor_key end) as month_end_seats
    from daily
    inner join month_ends on month_ends.month_start = cast({{ dbt.date_trunc('month', 'daily.calendar_date') }} as date)
    group by 1, 2, 3
),

tool_people as (
    -- People of the tool in the month, each counted once: a person who moved department within
    -- the month is one of each department's users above (a department is served by who used the
    -- tool there) but one person of the tool here.
    select
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start,
        tool,
        count(distinct actor_key) as people,
        count(distinct case when is_active_today then actor_key end) as active_users
    from daily
    group by 1, 2
),

catalogue as (
    select * from {{ ref('int_adoption__tool_catalogue') }}
),

with_capability as (
    select
        per_department.*,
        catalogue.capability,
        catalogue.vendor,
        catalogue.monthly_seat_price_eur,
        per_department.users >= {{ min_users }} as is_served
    from per_department
    inner join catalogue
        on catalogue.tool = per_department.tool
        and catalogue.valid_from <= per_department.month_start
        and {{ ends_after('catalogue.valid_to', 'per_department.month_start') }}
),

per_tool_departments as (
    select
        month_start,
        capability,
        tool,
        max(vendor) as vendor,
        max(monthly_seat_price_eur) as monthly_seat_price_eur,
        sum(case when is_served then 1 else 0 end) as departments,
        {{ dbt.listagg("case when is_served then department_name end", "', '", "order by department_name") }} as department_names,
        max(case when is_served then department_name end) as any_served_department,
        sum(month_end_seats) as seats
    from with_capability
    group by month_start, capability, tool
),

per_tool as (
    select per_tool_departments.*, tool_people.people, tool_people.active_users
    from per_tool_departments
    inner join tool_people
        on tool_people.month_start = per_tool_departments.month_start
        and tool_people.tool = per_tool_departments.tool
),

capability_departments as (
    -- Which tools of a capability serve which departments this month.
    select month_start, capability, tool, department_name
    from with_capability
    where is_served
),

islands as (
    select
        per_tool.month_start,
        per_tool.tool,
        per_tool.departments = 1
        and exists (
            select 1
            from capability_departments as other
            where other.month_start = per_tool.month_start
                and other.capability = per_tool.capability
                and other.tool <> per_tool.tool
                and other.department_name <> per_tool.any_served_department
        ) as is_island
    from per_tool
)

select
    cast(per_tool.month_start as date) as month_start,
    {{ period_is_complete('per_tool.month_start', 'month') }} as is_complete,
    cast(per_tool.capability as {{ dbt.type_string() }}) as capability,
    cast(per_tool.tool as {{ dbt.type_string() }}) as tool,
    cast(per_tool.vendor as {{ dbt.type_string() }}) as vendor,
    cast(count(*) over (partition by per_tool.month_start, per_tool.capability) as {{ dbt.type_bigint() }}) as tools_in_capability,
    cast(per_tool.departments as {{ dbt.type_bigint() }}) as departments,
    cast(per_tool.department_names as {{ dbt.type_string() }}) as department_names,
    cast({{ unless_suppressed('per_tool.people', 'per_tool.people < ' ~ k) }} as {{ dbt.type_bigint() }}) as people,
    cast({{ unless_suppressed('per_tool.seats', 'per_tool.people < ' ~ k) }} as {{ dbt.type_bigint() }}) as seats,
    cast({{ unless_suppressed('per_tool.active_users', 'per_tool.people < ' ~ k) }} as {{ dbt.type_bigint() }}) as active_users,
    islands.is_island,
    cast(case when islands.is_island then lower(replace(per_tool.any_served_department, ' ', '_')) end as {{ dbt.type_string() }}) as island_department_id,
    cast(case when per_tool.people < {{ k }} then null
              when islands.is_island then island_seats.month_end_seats * per_tool.monthly_seat_price_eur else 0 end as {{ type_double() }}) as duplicate_spend_eur,
    per_tool.people < {{ k }} as is_suppressed
from per_tool
inner join islands on islands.month_start = per_tool.month_start and islands.tool = per_tool.tool
left join with_capability as island_seats
    on island_seats.month_start = per_tool.month_start
    and island_seats.tool = per_tool.tool
    and island_seats.department_name = per_tool.any_served_department
