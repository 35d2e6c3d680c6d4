-- The nine scorecard KPIs per month and department, each with the observations behind it (so a
-- shared KPI can combine departments weighted by them). Sources: adoption, training, sentiment,
-- silo and ticket models; hours saved from the value chain's primary-benefit DiD.
-- The ticket KPIs describe the agents who handle the department's tickets: below k agents (the
-- privacy floor of value_chain.ticket_outcomes_monthly) their value is withheld (is_suppressed).
{% set k = var('privacy_k') | int %}
with months as (
    select distinct cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start
    from {{ ref('int_adoption__calendar_days') }}
    union
    select distinct cast({{ dbt.date_trunc('month', 'created_on') }} as date)
    from {{ ref('int_value_chain__zendesk_tickets') }}
),

month_bounds as (
    select month_start, cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end
    from months
),

last_reported_day as (
    select
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start,
        max(calendar_date) as last_day
    from {{ ref('int_adoption__calendar_days') }}
    group by 1
),

headcount as (
    select month_bounds.month_start, periods.department_name, count(distinct periods.person_key) as people
    from month_bounds
    inner join {{ ref('int_org__person_departments') }} as periods
        on {{ employed_in_period('periods', 'month_bounds.month_end') }}
    group by 1, 2
),

weekly_active as (
    -- People active with any AI tool in the 7 days up to the month's last reported day.
    select last_reported_day.month_start, daily.department_name, count(distinct daily.person_key) as active_people
    from last_reported_day
    inner join {{ ref('int_adoption__person_tool_daily') }} as daily
        on daily.calendar_date = last_reported_day.last_day and daily.days_since_active < 7
    where daily.department_name is not null
    group by 1, 2
),

wau as (
    select headcount.month_start, headcount.department_name, 'weekly_active_ai_users_share' as kpi,
        -- A people figure: published only for departments of at least k people.
        case when headcount.people >= {{ var('privacy_k') | int }}
             then 1.0 * coalesce(weekly_active.active_people, 0) / headcount.people end as kpi_value,
        headcount.people as observations,
        headcount.people < {{ var('privacy_k') | int }} as is_suppressed
    from headcount
    inner join last_reported_day on last_reported_day.month_start = headcount.month_start
    left join weekly_active
        on weekly_active.month_start = headcount.month_start and weekly_active.department_name = headcount.department_name
),

nps as (
    -- Suppressed rows come along (score and respondents NULL) so the scorecard can say `suppressed`.
    select month_start, department_name, 'tool_nps' as kpi, score as kpi_value, respondents as observations, is_suppressed
    from {{ ref('sentiment_monthly') }}
    where construct = 'tool_nps' and department_id <> 'all_departments'
),

training as (
    select month_start, department_name, 'training_completion_share' as kpi, completion_rate as kpi_value, headcount as observations,
        is_suppressed
    from {{ ref('training_monthly') }}
),

openness as (
    select
        cast({{ dbt.date_trunc('month', 'week_start') }} as date) as month_start,
        department_name,
        sum(pingpong_tickets_resolved) as pingpong_tickets,
        sum(tickets_resolved) as tickets_resolved,
        sum(case when not is_suppressed then ties_external end) as ties_external,
        sum(case when not is_suppressed then ties_internal end) as ties_internal
    from {{ ref('department_openness_weekly') }}
    group by 1, 2
),

silo as (
    select month_start, department_name, 'ping_pong_rate' as kpi,
        1.0 * pingpong_tickets / nullif(tickets_resolved, 0) as kpi_value, tickets_resolved as observations
    from openness
    union all
    select month_start, department_name, 'ei_index',
        1.0 * (ties_external - ties_internal) / nullif(ties_external + ties_internal, 0), ties_external + ties_internal
    from openness
),

tickets as (
    select
        cast({{ dbt.date_trunc('month', 'created_on') }} as date) as month_start,
        department_name,
        {{ median('full_resolution_minutes') }} as median_resolution_minutes,
        count(full_resolution_minutes) as resolved,
        {{ median('first_reply_minutes') }} as median_first_reply_minutes,
        count(first_reply_minutes) as replied,
        1.0 * sum(case when is_rated_good then 1 else 0 end) / nullif(sum(case when is_rated then 1 else 0 end), 0) as csat_good_share,
        sum(case when is_rated then 1 else 0 end) as rated,
        count(*) as created,
        count(distinct first_assignee_key) as agents
    from {{ ref('int_value_chain__zendesk_tickets') }}
    where department_name is not null
    group by 1, 2
),

ticket_kpis as (
    select month_start, department_name, kpi, case when agents >= {{ k }} then kpi_value end as kpi_value, observations,
        agents < {{ k }} as is_suppressed
    from (
        select month_start, department_name, agents, 'median_resolution_minutes' as kpi, median_resolution_minutes as kpi_value,
            resolved as observations
        from tickets
        union all
        select month_start, department_name, agents, 'median_first_reply_minutes', median_first_reply_minutes, replied from tickets
        union all
        select month_start, department_name, agents, 'csat_good_share', csat_good_share, rated from tickets
    ) as ticket_values
),

hours_saved as (
    -- For an initiative's target departments: minutes saved per ticket beyond the general trend
    -- (primary-benefit DiD) x the month's tickets / 60, from the month the current window starts;
    -- 0 before the initiative started, unknown during its ramp-up. It scales the department's ticket
    -- count, so it is withheld below k agents as the other ticket KPIs are.
    select
        tickets.month_start,
        tickets.department_name,
        'hours_saved' as kpi,
        case
            when tickets.agents < {{ k }} then null
            when tickets.month_start >= cast({{ dbt.date_trunc('month', 'links.current_start') }} as date)
                then -links.did_estimate * tickets.created / 60.0
            when tickets.month_start < cast({{ dbt.date_trunc('month', 'links.baseline_end') }} as date) then 0
        end as kpi_value,
        tickets.created as observations,
        tickets.agents < {{ k }} as is_suppressed
    from tickets
    inner join {{ ref('initiative_links') }} as links
        on links.link = 'primary_benefit'
        and links.status = 'ok'
        and links.metric like '%minutes'
        and {{ dbt.position(dbt.concat(["'|'", 'tickets.department_name', "'|'"]), dbt.concat(["'|'", 'links.target_departments', "'|'"])) }} > 0
)

select month_start, department_name, kpi, cast(kpi_value as {{ type_double() }}) as kpi_value,
    cast(observations as {{ dbt.type_bigint() }}) as observations,
    -- The KPI describes people and its group is below the privacy floor k (value NULL).
    coalesce(is_suppressed, false) as is_suppressed
from (
    select * from wau
    union all select * from nps
    union all select * from training
    union all select *, false from silo
    union all select * from ticket_kpis
    union all select * from hours_saved
) as all_kpis
where department_name is not null
