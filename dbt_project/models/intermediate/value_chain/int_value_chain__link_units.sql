-- The observations behind every value-chain metric, one row per initiative, metric, group (target =
-- the initiative's departments; comparison = the configured comparison departments, else every
-- other department), window (baseline, current, and the baseline's two halves pre_early / pre_late
-- for the parallel-trend check) and unit: the cluster the bootstrap resamples (docs/value_chain.md).
-- A unit is a person (trained_share, wau_share) or a ticket / issue (the rest). A ratio metric is
-- sum(numerator) / sum(denominator) over units; a median metric is the median of unit_value.
with initiatives as (
    select * from {{ ref('int_value_chain__initiative_windows') }}
),

groups as (
    select * from {{ ref('int_value_chain__group_windows') }}
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

trained_units as (
    select
        members.initiative_id, 'trained_share' as metric, members.group_name, members.window_name,
        members.person_key as unit_id,
        case when trained.first_completed_on <= members.window_end then 1.0 else 0.0 end as numerator,
        1.0 as denominator,
        cast(null as {{ type_double() }}) as unit_value
    from members
    left join trained on trained.person_key = members.person_key
),

weeks as (
    select distinct week_start from {{ ref('int_adoption__team_tool_weekly') }}
),

week_members as (
    -- Who is in the group on the last day of each complete week inside the window.
    select groups.initiative_id, groups.window_name, groups.group_name, weeks.week_start, periods.person_key
    from groups
    inner join weeks
        on weeks.week_start >= groups.window_start
        and {{ dbt.dateadd('day', 6, 'weeks.week_start') }} <= groups.window_end
    inner join {{ ref('int_org__person_departments') }} as periods
        on periods.department_name = groups.department_name
        and {{ employed_in_period('periods', dbt.dateadd('day', 6, 'weeks.week_start')) }}
),

active_weeks as (
    -- Weeks in which a person used one of the initiative's tools.
    select distinct initiatives.initiative_id, activity.person_key, activity.week_start
    from (
        select distinct person_key, tool, cast({{ dbt.date_trunc('week', 'calendar_date') }} as date) as week_start
        from {{ ref('int_adoption__person_tool_daily') }}
        where is_active_today and person_key is not null
    ) as activity
    inner join initiatives
        on {{ dbt.position(dbt.concat(["'|'", 'activity.tool', "'|'"]), dbt.concat(["'|'", 'initiatives.tools', "'|'"])) }} > 0
),

wau_units as (
    -- Weekly active share: a person's active weeks over the weeks they were a member.
    select
        week_members.initiative_id, 'wau_share' as metric, week_members.group_name, week_members.window_name,
        week_members.person_key as unit_id,
        1.0 * sum(case when active_weeks.person_key is not null then 1 else 0 end) as numerator,
        1.0 * count(*) as denominator,
        cast(null as {{ type_double() }}) as unit_value
    from week_members
    left join active_weeks
        on active_weeks.initiative_id = week_members.initiative_id
        and active_weeks.person_key = week_members.person_key
        and active_weeks.week_start = week_members.week_start
    group by week_members.initiative_id, week_members.group_name, week_members.window_name, week_members.person_key
),

zendesk as (
    select groups.initiative_id, groups.window_name, groups.group_name, tickets.*,
        {{ ticket_id('zendesk', 'tickets.ticket_id') }} as unit_key
    from groups
    inner join {{ ref('int_value_chain__zendesk_tickets') }} as tickets
        on tickets.department_name = groups.department_name
        and tickets.created_on between groups.window_start and groups.window_end
),

ticket_units as (
    select initiative_id, 'median_first_reply_minutes' as metric, group_name, window_name, unit_key as unit_id,
        cast(null as {{ type_double() }}) as numerator, cast(null as {{ type_double() }}) as denominator,
        cast(first_reply_minutes as {{ type_double() }}) as unit_value
    from zendesk where first_reply_minutes is not null
    union all
    select initiative_id, 'median_resolution_minutes', group_name, window_name, unit_key, null, null,
        cast(full_resolution_minutes as {{ type_double() }})
    from zendesk where full_resolution_minutes is not null
    union all
    -- The same two in business minutes of the schedule the ticket's first group follows.
    select initiative_id, 'median_first_reply_business_minutes', group_name, window_name, unit_key, null, null,
        cast(first_reply_business_minutes as {{ type_double() }})
    from zendesk where first_reply_business_minutes is not null
    union all
    select initiative_id, 'median_resolution_business_minutes', group_name, window_name, unit_key, null, null,
        cast(full_resolution_business_minutes as {{ type_double() }})
    from zendesk where full_resolution_business_minutes is not null
    union all
    select initiative_id, 'csat_good_share', group_name, window_name, unit_key,
        case when is_rated_good then 1.0 else 0.0 end, 1.0, null
    from zendesk where is_rated
    union all
    select initiative_id, 'reopen_rate', group_name, window_name, unit_key,
        case when is_reopened then 1.0 else 0.0 end, 1.0, null
    from zendesk where is_solved
),

jira_issues as (
    -- Work items (not epics, not use-case ideas) by the department they started in; lead time =
    -- created -> resolved, in hours, of those resolved by now.
    select
        routing.ticket_id,
        routing.origin_department,
        cast(routing.created_at as date) as created_on,
        {{ dbt.datediff('routing.created_at', 'routing.resolved_at', 'minute') }} / {{ double_literal('60.0') }} as lead_time_hours
    from {{ ref('int_tickets__routing') }} as routing
    inner join {{ ref('int_tickets__tickets') }} as tickets on tickets.ticket_id = routing.ticket_id
    where routing.ticket_system = 'jira'
        and routing.resolved_at is not null
        and coalesce(tickets.ticket_type, '') not in ('Epic', 'Idea')
),

issue_units as (
    select groups.initiative_id, 'median_lead_time_hours' as metric, groups.group_name, groups.window_name,
        jira_issues.ticket_id as unit_id,
        cast(null as {{ type_double() }}) as numerator, cast(null as {{ type_double() }}) as denominator,
        cast(jira_issues.lead_time_hours as {{ type_double() }}) as unit_value
    from groups
    inner join jira_issues
        on jira_issues.origin_department = groups.department_name
        and jira_issues.created_on between groups.window_start and groups.window_end
)

select
    initiative_id,
    metric,
    group_name,
    window_name,
    cast(unit_id as {{ dbt.type_string() }}) as unit_id,
    cast(case when unit_value is null then 'ratio' else 'median' end as {{ dbt.type_string() }}) as aggregation,
    cast(numerator as {{ type_double() }}) as numerator,
    cast(denominator as {{ type_double() }}) as denominator,
    cast(unit_value as {{ type_double() }}) as unit_value
from (
    select * from trained_units
    union all select * from wau_units
    union all select * from ticket_units
    union all select * from issue_units
) as units
