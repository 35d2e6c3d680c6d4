-- Cross-functional lead time (docs/metrics.md#siloepic_lead_time_monthly): created -> resolved of Jira epics whose contributors
-- span >= 2 departments, against single-department epics. A department contributes when it was
-- responsible for the epic or one of its child issues at any time (int_tickets__state_history).
-- Grain month_start (of the epic's resolution) x is_cross_functional. Epics are counted, not people.
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

epics as (
    select issue_id, issue_key, created_at, resolved_at
    from issues
    where issue_type = 'Epic' and resolved_at is not null
),

members as (
    -- The epic itself and its children (parent, or the legacy Epic Link).
    select epics.issue_key as epic_key, epics.issue_id as member_issue_id from epics
    union all
    select coalesce(children.epic_key, children.parent_key), children.issue_id
    from issues as children
    where coalesce(children.epic_key, children.parent_key) in (select issue_key from epics)
),

departments as (
    select members.epic_key, count(distinct states.department_name) as departments
    from members
    inner join {{ ref('int_tickets__state_history') }} as states
        on states.ticket_id = {{ ticket_id('jira', 'members.member_issue_id') }}
    where states.department_name is not null
    group by members.epic_key
),

epic_lead_times as (
    select
        cast({{ dbt.date_trunc('month', 'epics.resolved_at') }} as date) as month_start,
        coalesce(departments.departments, 0) >= 2 as is_cross_functional,
        coalesce(departments.departments, 0) as departments,
        {{ dbt.datediff('epics.created_at', 'epics.resolved_at', 'second') }} / {{ double_literal('86400.0') }} as lead_time_days
    from epics
    left join departments on departments.epic_key = epics.issue_key
)

select
    month_start,
    {{ period_is_complete('month_start', 'month') }} as is_complete,
    is_cross_functional,
    count(*) as epics_resolved,
    avg(cast(departments as {{ type_double() }})) as departments_per_epic_mean,
    {{ median('lead_time_days') }} as lead_time_days_median,
    avg(lead_time_days) as lead_time_days_mean
from epic_lead_times
group by month_start, is_cross_functional
