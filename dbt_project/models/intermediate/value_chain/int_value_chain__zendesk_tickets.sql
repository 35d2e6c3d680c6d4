-- One row per Zendesk ticket with the outcomes of the value chain: the department of its first group
-- (the group that replies first, via the ticket_group_departments seed), first-reply and full
-- resolution time (calendar minutes, Zendesk's metric set; and business minutes on the schedule of
-- the first group, the one the customer waited on: macros/working_calendar.sql), reopens, CSAT, and
-- the agent it was first assigned to, and whether it was AI-assisted (a tag in var ai_assisted_ticket_tags; the usage report alone cannot
-- tell which ticket a draft was written for).
{% set ai_tags = var('ai_assisted_ticket_tags', ['ai_draft']) %}

with first_group as (
    select ticket_id, first_group_id
    from (
        select
            ticket_id,
            value as first_group_id,
            row_number() over (partition by ticket_id order by created_at, audit_id, event_id) as position
        from {{ ref('stg_zendesk__ticket_audit_events') }}
        where field_name = 'group_id' and value is not null
    ) as group_events
    where position = 1
),

first_assignee as (
    -- The agent the ticket was first assigned to: the one in its first group who answers for the
    -- department's figures (the privacy floor's group of ticket_outcomes_monthly).
    select ticket_id, first_assignee_key
    from (
        select
            ticket_id,
            value as first_assignee_key,
            row_number() over (partition by ticket_id order by created_at, audit_id, event_id) as position
        from {{ ref('stg_zendesk__ticket_audit_events') }}
        where field_name = 'assignee_id' and value is not null
    ) as assignee_events
    where position = 1
),

group_departments as (
    select
        mapping.group_name,
        mapping.department_name,
        mapping.valid_from,
        lead(mapping.valid_from) over (partition by mapping.group_name order by mapping.valid_from) as valid_to
    from {{ ref('ticket_group_departments') }} as mapping
    where mapping.source = 'zendesk'
),

outcomes as (
select
    tickets.ticket_id,
    tickets.created_at,
    cast(tickets.created_at as date) as created_on,
    tickets.status,
    coalesce(first_assignee.first_assignee_key, tickets.assignee_key) as first_assignee_key,
    groups.group_name as first_group_name,
    group_departments.department_name,
    (
        {% for tag in ai_tags %}tickets.tags_json like '%"{{ tag }}"%'{% if not loop.last %} or {% endif %}{% endfor %}
    ) as is_ai_assisted,
    tickets.status in ('solved', 'closed') as is_solved,
    metrics.reply_time_calendar_minutes as first_reply_minutes,
    case when tickets.status in ('solved', 'closed') then metrics.full_resolution_time_calendar_minutes end as full_resolution_minutes,
    coalesce(metrics.reopens, 0) > 0 as is_reopened,
    tickets.satisfaction_score in ('good', 'bad') as is_rated,
    tickets.satisfaction_score = 'good' as is_rated_good,
    {{ dbt.dateadd('minute', 'metrics.reply_time_calendar_minutes', 'tickets.created_at') }} as first_reply_at,
    case when tickets.status in ('solved', 'closed')
        then {{ dbt.dateadd('minute', 'metrics.full_resolution_time_calendar_minutes', 'tickets.created_at') }}
    end as full_resolution_at
from {{ ref('stg_zendesk__tickets') }} as tickets
left join {{ ref('stg_zendesk__ticket_metrics') }} as metrics on metrics.ticket_id = tickets.ticket_id
left join first_group on first_group.ticket_id = tickets.ticket_id
left join first_assignee on first_assignee.ticket_id = tickets.ticket_id
left join {{ ref('stg_zendesk__groups') }} as groups
    on {{ dbt.safe_cast('groups.group_id', api.Column.translate_type('string')) }} = first_group.first_group_id
left join group_departments
    on group_departments.group_name = groups.group_name
    and group_departments.valid_from <= cast(tickets.created_at as date)
    and {{ ends_after('group_departments.valid_to', 'cast(tickets.created_at as date)') }}
),

scheduled as (
    select outcomes.*, {{ working_schedule_id('waiting_schedule') }} as waiting_schedule_id
    from outcomes
    {{ working_schedule_joins("'zendesk'", 'outcomes.first_group_name', 'outcomes.department_name', 'waiting_schedule') }}
),

business as (
    select
        scheduled.ticket_id,
        ({{ working_clock('reply_clock', 'scheduled.first_reply_at') }}
            - {{ working_clock('created_clock', 'scheduled.created_at') }}) / {{ double_literal('60.0') }} as first_reply_business_minutes,
        ({{ working_clock('resolution_clock', 'scheduled.full_resolution_at') }}
            - {{ working_clock('created_clock', 'scheduled.created_at') }}) / {{ double_literal('60.0') }} as full_resolution_business_minutes
    from scheduled
    {{ working_clock_join('created_clock', 'scheduled.waiting_schedule_id', 'scheduled.created_at') }}
    {{ working_clock_join('reply_clock', 'scheduled.waiting_schedule_id', 'scheduled.first_reply_at') }}
    {{ working_clock_join('resolution_clock', 'scheduled.waiting_schedule_id', 'scheduled.full_resolution_at') }}
    group by scheduled.ticket_id
)

select
    scheduled.ticket_id,
    scheduled.created_at,
    scheduled.created_on,
    scheduled.status,
    scheduled.first_assignee_key,
    scheduled.first_group_name,
    scheduled.department_name,
    scheduled.is_ai_assisted,
    scheduled.is_solved,
    scheduled.first_reply_minutes,
    scheduled.full_resolution_minutes,
    scheduled.is_reopened,
    scheduled.is_rated,
    scheduled.is_rated_good,
    scheduled.waiting_schedule_id,
    business.first_reply_business_minutes,
    business.full_resolution_business_minutes
from scheduled
left join business on business.ticket_id = scheduled.ticket_id
