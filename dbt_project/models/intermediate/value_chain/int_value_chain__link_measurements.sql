-- One row per initiative, metric, group (target = the initiative's departments, comparison = every
-- other department) and window (baseline, current): the metric's value and the observations behind
-- it. Every supported metric is measured; the mart picks the one config/initiatives.csv names per link.
with windows as (
    select
        initiative_id,
        target_departments,
        tools,
        'baseline' as window_name,
        baseline_start as window_start,
        baseline_end as window_end
    from {{ ref('int_value_chain__initiative_windows') }}
    union all
    select initiative_id, target_departments, tools, 'current', current_start, current_end
    from {{ ref('int_value_chain__initiative_windows') }}
),

departments as (
    select department_name from {{ ref('dim_department') }}
),

groups as (
    -- target_departments is a '|' separated list of directory department names.
    select
        windows.*,
        departments.department_name,
        case when {{ dbt.position(dbt.concat(["'|'", 'departments.department_name', "'|'"]), dbt.concat(["'|'", 'windows.target_departments', "'|'"])) }} > 0
             then 'target' else 'comparison' end as group_name
    from windows
    cross join departments
),

members as (
    -- People in each group at the window's end.
    select groups.initiative_id, groups.window_name, groups.group_name, groups.window_end, periods.person_key
    from groups
    inner join {{ ref('int_org__person_departments') }} as periods
        on periods.department_name = groups.department_name
        and {{ employed_in_period('periods', 'groups.window_end') }}
),

trained as (
    select person_key, min(completed_on) as first_completed_on
    from {{ ref('int_training__enrolments') }}
    where completed_on is not null
    group by person_key
),

trained_share as (
    select
        members.initiative_id, members.window_name, members.group_name,
        'trained_share' as metric,
        1.0 * count(distinct case when trained.first_completed_on <= members.window_end then members.person_key end)
            / nullif(count(distinct members.person_key), 0) as metric_value,
        count(distinct members.person_key) as observations
    from members
    left join trained on trained.person_key = members.person_key
    group by members.initiative_id, members.window_name, members.group_name
),

wau_share as (
    -- Weekly active users of the initiative's tools over headcount, complete weeks in the window.
    select
        groups.initiative_id, groups.window_name, groups.group_name,
        'wau_share' as metric,
        1.0 * sum(weekly.weekly_active_users) / nullif(sum(weekly.headcount), 0) as metric_value,
        cast(sum(weekly.headcount) / nullif(count(distinct weekly.week_start), 0) as {{ dbt.type_bigint() }}) as observations
    from groups
    inner join {{ ref('int_adoption__team_tool_weekly') }} as weekly
        on weekly.department_name = groups.department_name
        and weekly.week_start >= groups.window_start
        and {{ dbt.dateadd('day', 6, 'weekly.week_start') }} <= groups.window_end
        and {{ dbt.position(dbt.concat(["'|'", 'weekly.tool', "'|'"]), dbt.concat(["'|'", 'groups.tools', "'|'"])) }} > 0
    group by groups.initiative_id, groups.window_name, groups.group_name
),

tickets as (
    select groups.initiative_id, groups.window_name, groups.group_name, groups.window_start, groups.window_end, tickets.*
    from groups
    inner join {{ ref('int_value_chain__zendesk_tickets') }} as tickets
        on tickets.department_name = groups.department_name
        and tickets.created_on between groups.window_start and groups.window_end
),

ticket_metrics as (
    select initiative_id, window_name, group_name, 'median_first_reply_minutes' as metric,
        {{ median('first_reply_minutes') }} as metric_value,
        count(first_reply_minutes) as observations
    from tickets group by 1, 2, 3
    union all
    select initiative_id, window_name, group_name, 'median_resolution_minutes',
        {{ median('full_resolution_minutes') }},
        count(full_resolution_minutes)
    from tickets group by 1, 2, 3
    union all
    -- The same two in business minutes of the schedule the ticket's first group follows.
    select initiative_id, window_name, group_name, 'median_first_reply_business_minutes',
        {{ median('first_reply_business_minutes') }},
        count(first_reply_business_minutes)
    from tickets group by 1, 2, 3
    union all
    select initiative_id, window_name, group_name, 'median_resolution_business_minutes',
        {{ median('full_resolution_business_minutes') }},
        count(full_resolution_business_minutes)
    from tickets group by 1, 2, 3
    union all
    select initiative_id, window_name, group_name, 'csat_good_share',
        1.0 * sum(case when is_rated_good then 1 else 0 end) / nullif(sum(case when is_rated then 1 else 0 end), 0),
        sum(case when is_rated then 1 else 0 end)
    from tickets group by 1, 2, 3
    union all
    select initiative_id, window_name, group_name, 'reopen_rate',
        1.0 * sum(case when is_solved and is_reopened then 1 else 0 end) / nullif(sum(case when is_solved then 1 else 0 end), 0),
        sum(case when is_solved then 1 else 0 end)
    from tickets group by 1, 2, 3
    union all
    -- Inputs of the financial link: ticket volume per 30 days in the window.
    select initiative_id, window_name, group_name, 'tickets_per_30_days',
        30.0 * count(*) / ({{ dbt.datediff('min(window_start)', 'min(window_end)', 'day') }} + 1),
        count(*)
    from tickets group by 1, 2, 3
),

window_seats as (
    -- Seats of the initiative's tools held on each window's last day. Equi-joined on the day first:
    -- joining the seat table on the tool list inside the members join makes a nested loop.
    select windows.initiative_id, windows.window_name, windows.window_end, seats.person_key, seats.tool, seats.actor_key
    from windows
    inner join {{ ref('int_adoption__seats_daily') }} as seats
        on seats.seat_date = windows.window_end
    where seats.person_key is not null
        and {{ dbt.position(dbt.concat(["'|'", 'seats.tool', "'|'"]), dbt.concat(["'|'", 'windows.tools', "'|'"])) }} > 0
),

licence_cost as (
    -- Seats of the initiative's tools held by the group at the window's end x monthly seat price.
    select
        members.initiative_id, members.window_name, members.group_name,
        'licence_cost_per_month' as metric,
        coalesce(sum(catalogue.monthly_seat_price_eur), 0) as metric_value,
        count(seats.actor_key) as observations
    from members
    left join window_seats as seats
        on seats.initiative_id = members.initiative_id
        and seats.window_name = members.window_name
        and seats.person_key = members.person_key
    left join {{ ref('int_adoption__tool_catalogue') }} as catalogue
        on catalogue.tool = seats.tool
        and catalogue.valid_from <= members.window_end
        and {{ ends_after('catalogue.valid_to', 'members.window_end') }}
    group by members.initiative_id, members.window_name, members.group_name
)

select initiative_id, window_name, group_name, metric,
    cast(metric_value as {{ type_double() }}) as metric_value,
    cast(observations as {{ dbt.type_bigint() }}) as observations
from (
    select * from trained_share
    union all select * from wau_share
    union all select * from ticket_metrics
    union all select * from licence_cost
) as measured
