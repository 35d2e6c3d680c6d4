-- One row per initiative, metric, group (target = the initiative's departments, comparison = the
-- configured comparison departments, else every other department) and window (baseline, current,
-- and the baseline's halves pre_early / pre_late): the metric's value and the observations (units:
-- people, tickets, ratings) behind it. The link metrics aggregate int_value_chain__link_units, the
-- same rows the bootstrap resamples; the financial link's inputs (ticket volume, licence cost) are
-- measured here. The mart picks the metric config/initiatives.yml names per link.
with windows as (
    select
        initiative_id,
        target_departments,
        comparison_departments,
        tools,
        'baseline' as window_name,
        baseline_start as window_start,
        baseline_end as window_end
    from {{ ref('int_value_chain__initiative_windows') }}
    union all
    select initiative_id, target_departments, comparison_departments, tools, 'current', current_start, current_end
    from {{ ref('int_value_chain__initiative_windows') }}
),

groups as (
    -- The parallel-trend halves are the link units' concern: measured here are baseline and current.
    select * from {{ ref('int_value_chain__group_windows') }} where window_name in ('baseline', 'current')
),

members as (
    -- People in each group at the window's end.
    select groups.initiative_id, groups.window_name, groups.group_name, groups.window_end, periods.person_key
    from groups
    inner join {{ ref('int_org__person_departments') }} as periods
        on periods.department_name = groups.department_name
        and {{ employed_in_period('periods', 'groups.window_end') }}
),

link_metrics as (
    select
        initiative_id, window_name, group_name, metric,
        case when max(aggregation) = 'median' then {{ median('unit_value') }}
             else sum(numerator) / nullif(sum(denominator), 0) end as metric_value,
        count(*) as observations
    from {{ ref('int_value_chain__link_units') }}
    group by initiative_id, window_name, group_name, metric
),

tickets as (
    select groups.initiative_id, groups.window_name, groups.group_name, groups.window_start, groups.window_end, tickets.*
    from groups
    inner join {{ ref('int_value_chain__zendesk_tickets') }} as tickets
        on tickets.department_name = groups.department_name
        and tickets.created_on between groups.window_start and groups.window_end
),

ticket_volume as (
    -- Input of the financial link: ticket volume per 30 days in the window.
    select initiative_id, window_name, group_name, 'tickets_per_30_days' as metric,
        30.0 * count(*) / ({{ dbt.datediff('min(window_start)', 'min(window_end)', 'day') }} + 1) as metric_value,
        count(*) as observations
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
    select * from link_metrics
    union all select * from ticket_volume
    union all select * from licence_cost
) as measured
