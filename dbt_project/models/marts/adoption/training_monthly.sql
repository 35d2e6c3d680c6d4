-- AI training per month and department (docs/metrics.md#adoptiontraining_monthly): participation and
-- completion = people in the department at month end who had started / completed an AI module by
-- then, over its headcount; starts and completions within the month; skill gain = mean (post - pre)
-- assessment of the department's completers with both scores so far. Privacy floor k: a department
-- below k people at month end publishes its headcount (org structure) and nothing else; the
-- skill-gain mean has its own group (the people with both scores) and its own flag. Innovation: AI
-- use-case proposals (issues of the Jira projects in var use_case_jira_projects) created in the month
-- by the department's people, and how many of them were implemented (resolution Done).
-- Supported use: AI-tool support tickets (ServiceNow incidents of the subcategories in var
-- ai_tool_ticket_subcategories) raised in the month by the department's people, per 100 of its people
-- active in any AI tool in the month. Champions: people of the department in the top decile of a
-- tool's usage intensity (int_adoption__person_tool_monthly) who answered a colleague's AI-tool
-- ticket (comment, status change or resolution) in the 90 days up to the month's reference day.
-- Trainers are not in the training export, so leading a training cannot make a champion here.
{% set k = var('privacy_k') | int %}

with month_numbers as (
    {{ dbt.generate_series(240) }}
),

span as (
    -- From the first training start to the latest training date or reported usage day.
    select
        cast({{ dbt.date_trunc('month', 'min(started_on)') }} as date) as first_month,
        max(coalesce(completed_on, started_on)) as last_training_day
    from {{ ref('int_training__enrolments') }}
),

months as (
    select cast({{ dbt.dateadd('month', 'month_numbers.generated_number - 1', 'span.first_month') }} as date) as month_start
    from month_numbers
    cross join span
    cross join {{ ref('int_adoption__as_of') }} as as_of
    where {{ dbt.dateadd('month', 'month_numbers.generated_number - 1', 'span.first_month') }}
        <= coalesce(greatest(span.last_training_day, as_of.as_of_date), span.last_training_day)
),

month_bounds as (
    select
        month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end
    from months
),

members as (
    select
        month_bounds.month_start,
        month_bounds.month_end,
        periods.person_key,
        periods.department_name
    from month_bounds
    inner join {{ ref('int_org__person_departments') }} as periods
        on {{ employed_in_period('periods', 'month_bounds.month_end') }}
),

person_training as (
    select
        person_key,
        min(started_on) as first_started_on,
        min(completed_on) as first_completed_on
    from {{ ref('int_training__enrolments') }}
    group by person_key
),

in_month as (
    -- Starts and completions of the month, credited to the department the person started in.
    select
        cast({{ dbt.date_trunc('month', 'started_on') }} as date) as month_start,
        department_at_start as department_name,
        count(*) as module_starts,
        0 as module_completions
    from {{ ref('int_training__enrolments') }}
    where department_at_start is not null
    group by 1, 2
    union all
    select
        cast({{ dbt.date_trunc('month', 'completed_on') }} as date),
        department_at_start,
        0,
        count(*)
    from {{ ref('int_training__enrolments') }}
    where department_at_start is not null and completed_on is not null
    group by 1, 2
),

in_month_totals as (
    select month_start, department_name, sum(module_starts) as module_starts, sum(module_completions) as module_completions
    from in_month
    group by month_start, department_name
),

skill as (
    select
        month_bounds.month_start,
        enrolments.department_at_start as department_name,
        count(distinct enrolments.person_key) as skill_gain_people,
        avg(enrolments.skill_gain_points) as skill_gain_points
    from month_bounds
    inner join {{ ref('int_training__enrolments') }} as enrolments
        on enrolments.completed_on <= month_bounds.month_end
        and enrolments.skill_gain_points is not null
    group by month_bounds.month_start, enrolments.department_at_start
),

proposals as (
    select
        cast({{ dbt.date_trunc('month', 'issues.created_at') }} as date) as month_start,
        dept.department_name,
        count(*) as use_case_proposals,
        sum(case when issues.resolution = 'Done' then 1 else 0 end) as use_case_proposals_implemented
    from {{ ref('stg_jira__issues') }} as issues
    inner join {{ ref('int_identity__resolved') }} as ids
        on ids.source = 'jira' and ids.identity_key = issues.reporter_key
    {{ department_on_day_join('ids.person_key', 'issues.created_at', 'dept', 'inner') }}
    where issues.project_key in (
        {% for project in var('use_case_jira_projects', ['AIUC']) %}'{{ project }}'{% if not loop.last %}, {% endif %}{% endfor %}
    )
    group by 1, 2
),

ai_tool_tickets as (
    select
        {{ ticket_id('servicenow', 'incidents.incident_id') }} as ticket_id,
        coalesce(incidents.opened_at, incidents.created_at) as opened_at,
        callers.person_key as caller_person_key
    from {{ ref('stg_servicenow__incidents') }} as incidents
    left join {{ ref('int_tickets__identities') }} as callers
        on callers.source = 'servicenow' and callers.identity_key = incidents.caller_key
    where incidents.subcategory in (
        {% for sub in var('ai_tool_ticket_subcategories', ['ai_assistant']) %}'{{ sub }}'{% if not loop.last %}, {% endif %}{% endfor %}
    )
),

supported_tickets as (
    select
        cast({{ dbt.date_trunc('month', 'ai_tool_tickets.opened_at') }} as date) as month_start,
        dept.department_name,
        count(*) as ai_tool_tickets
    from ai_tool_tickets
    {{ department_on_day_join('ai_tool_tickets.caller_person_key', 'ai_tool_tickets.opened_at', 'dept', 'inner') }}
    group by 1, 2
),

ai_active as (
    select
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start,
        department_name,
        count(distinct person_key) as ai_active_people
    from {{ ref('int_adoption__person_tool_daily') }}
    where is_active_today and person_key is not null and department_name is not null
    group by 1, 2
),

ticket_answers as (
    select distinct activity.person_key, activity.acted_at
    from {{ ref('int_tickets__activity') }} as activity
    inner join ai_tool_tickets on ai_tool_tickets.ticket_id = activity.ticket_id
    where activity.is_response
        and activity.person_key is not null
        and (ai_tool_tickets.caller_person_key is null or activity.person_key <> ai_tool_tickets.caller_person_key)
),

champions as (
    select
        usage.month_start,
        usage.department_name,
        count(distinct usage.person_key) as champions
    from {{ ref('int_adoption__person_tool_monthly') }} as usage
    where usage.intensity_decile = 10
        and usage.department_name is not null
        and exists (
            select 1 from ticket_answers
            where ticket_answers.person_key = usage.person_key
                and cast(ticket_answers.acted_at as date) <= usage.reference_date
                and cast(ticket_answers.acted_at as date) > {{ dbt.dateadd('day', -90, 'usage.reference_date') }}
        )
    group by usage.month_start, usage.department_name
),

headcounts as (
    select
        members.month_start,
        members.department_name,
        count(distinct members.person_key) as headcount,
        count(distinct case when person_training.first_started_on <= members.month_end then members.person_key end) as participants,
        count(distinct case when person_training.first_completed_on <= members.month_end then members.person_key end) as completers
    from members
    left join person_training on person_training.person_key = members.person_key
    group by members.month_start, members.department_name
),

flagged as (
    select headcounts.*, headcounts.headcount < {{ k }} as is_suppressed
    from headcounts
)

select
    cast(flagged.month_start as date) as month_start,
    {{ period_is_complete('flagged.month_start', 'month') }} as is_complete,
    cast(lower(replace(flagged.department_name, ' ', '_')) as {{ dbt.type_string() }}) as department_id,
    cast(flagged.department_name as {{ dbt.type_string() }}) as department_name,
    cast(flagged.headcount as {{ dbt.type_bigint() }}) as headcount,
    cast({{ unless_suppressed("flagged.participants", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as participants,
    cast({{ unless_suppressed("flagged.completers", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as completers,
    cast({{ unless_suppressed("case when flagged.headcount > 0 then 1.0 * flagged.participants / flagged.headcount end", 'flagged.is_suppressed') }} as {{ type_double() }}) as participation_rate,
    cast({{ unless_suppressed("case when flagged.headcount > 0 then 1.0 * flagged.completers / flagged.headcount end", 'flagged.is_suppressed') }} as {{ type_double() }}) as completion_rate,
    cast({{ unless_suppressed("coalesce(in_month_totals.module_starts, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as module_starts_in_month,
    cast({{ unless_suppressed("coalesce(in_month_totals.module_completions, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as module_completions_in_month,
    cast(case when not flagged.is_suppressed and skill.skill_gain_people >= {{ k }} then skill.skill_gain_people end as {{ dbt.type_bigint() }}) as skill_gain_people,
    cast(case when not flagged.is_suppressed and skill.skill_gain_people >= {{ k }} then skill.skill_gain_points end as {{ type_double() }}) as skill_gain_points,
    flagged.is_suppressed or coalesce(skill.skill_gain_people, 0) < {{ k }} as is_skill_gain_suppressed,
    cast({{ unless_suppressed("coalesce(proposals.use_case_proposals, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as use_case_proposals,
    cast({{ unless_suppressed("coalesce(proposals.use_case_proposals_implemented, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as use_case_proposals_implemented,
    cast({{ unless_suppressed("coalesce(supported_tickets.ai_tool_tickets, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as ai_tool_tickets,
    cast({{ unless_suppressed("coalesce(ai_active.ai_active_people, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as ai_active_people,
    cast(case when flagged.is_suppressed then null when ai_active.ai_active_people > 0
        then 100.0 * coalesce(supported_tickets.ai_tool_tickets, 0) / ai_active.ai_active_people
    end as {{ type_double() }}) as supported_use_per_100_active,
    cast({{ unless_suppressed("coalesce(champions.champions, 0)", 'flagged.is_suppressed') }} as {{ dbt.type_bigint() }}) as champions,
    flagged.is_suppressed
from flagged
left join in_month_totals
    on in_month_totals.month_start = flagged.month_start
    and in_month_totals.department_name = flagged.department_name
left join skill
    on skill.month_start = flagged.month_start
    and skill.department_name = flagged.department_name
left join proposals
    on proposals.month_start = flagged.month_start
    and proposals.department_name = flagged.department_name
left join supported_tickets
    on supported_tickets.month_start = flagged.month_start
    and supported_tickets.department_name = flagged.department_name
left join ai_active
    on ai_active.month_start = flagged.month_start
    and ai_active.department_name = flagged.department_name
left join champions
    on champions.month_start = flagged.month_start
    and champions.department_name = flagged.department_name
