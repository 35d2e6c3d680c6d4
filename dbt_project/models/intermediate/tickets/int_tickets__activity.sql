-- depends_on: {{ ref('int_tickets__source_loads') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- Who acted on which ticket, when and how: reporter, assignee (being assigned), commenter and
-- changer (docs/metrics.md, tie). One row per action; rebuilt per ticket in incremental runs.
-- person_key is null for customers and unresolved accounts; department_name is the actor's
-- department on the day of the action (a mover's old actions keep the old department).
with identities as (
    select * from {{ ref('int_tickets__identities') }}
),

-- The source rows of the tickets in scope (all of them when built from scratch).
jira_issues as ({{ changed_ticket_rows(ref('stg_jira__issues'), 'jira', 'issue_id') }}),

jira_changes as ({{ changed_ticket_rows(ref('stg_jira__issue_changes'), 'jira', 'issue_id') }}),

jira_comments as ({{ changed_ticket_rows(ref('stg_jira__comments'), 'jira', 'issue_id') }}),

zendesk_events as ({{ changed_ticket_rows(ref('stg_zendesk__ticket_audit_events'), 'zendesk', 'ticket_id') }}),

servicenow_history as ({{ changed_ticket_rows(ref('stg_servicenow__assignment_history'), 'servicenow', 'incident_id') }}),

servicenow_incidents as ({{ changed_ticket_rows(ref('stg_servicenow__incidents'), 'servicenow', 'incident_id') }}),

jira_actions as (
    select 'jira' as ticket_system, {{ ticket_id('jira', 'issue_id') }} as ticket_id,
        created_at as acted_at, reporter_key as identity_key, 'jira' as identity_source, 'report' as action_type
    from jira_issues
    union all
    select 'jira', {{ ticket_id('jira', 'issue_id') }}, changed_at, author_key, 'jira',
        case field_name
            when 'status' then 'status_change'
            when 'resolution' then 'resolution'
            when 'assignee' then 'assignment'
            when 'team' then 'assignment'
            else 'field_change'
        end
    from jira_changes
    union all
    -- The new assignee takes part in the ticket too.
    select 'jira', {{ ticket_id('jira', 'issue_id') }}, changed_at, to_value, 'jira', 'assigned'
    from jira_changes
    where field_name = 'assignee' and to_value is not null
    union all
    select 'jira', {{ ticket_id('jira', 'issue_id') }}, created_at, author_key, 'jira', 'comment'
    from jira_comments
),

zendesk_actions as (
    select 'zendesk' as ticket_system,
        {{ ticket_id('zendesk', 'ticket_id') }} as ticket_id,
        created_at as acted_at, author_key as identity_key, 'zendesk' as identity_source,
        case
            when event_type = 'Comment' then 'comment'
            when event_type = 'Create' then 'report'
            when field_name = 'status' and value in ('solved', 'closed') then 'resolution'
            when field_name = 'status' then 'status_change'
            when field_name in ('assignee_id', 'group_id') then 'assignment'
            else 'field_change'
        end as action_type
    from zendesk_events
    -- One Create audit has several events (status, group, tags, ...): one 'report' action is enough.
    where event_type in ('Comment', 'Change') or (event_type = 'Create' and field_name = 'status')
    union all
    select 'zendesk',
        {{ ticket_id('zendesk', 'ticket_id') }},
        created_at, value, 'zendesk', 'assigned'
    from zendesk_events
    where field_name = 'assignee_id' and value is not null
),

servicenow_actions as (
    select 'servicenow' as ticket_system, {{ ticket_id('servicenow', 'incident_id') }} as ticket_id,
        changed_at as acted_at, changed_by_user_name_key as identity_key, 'servicenow_user_name' as identity_source,
        case
            when field_name = 'state' and new_value in ('6', '7') then 'resolution'
            when field_name = 'state' then 'status_change'
            else 'assignment'
        end as action_type
    from servicenow_history
    union all
    select 'servicenow', {{ ticket_id('servicenow', 'incident_id') }}, changed_at, new_value, 'servicenow', 'assigned'
    from servicenow_history
    where field_name = 'assigned_to' and new_value is not null
    union all
    select 'servicenow', {{ ticket_id('servicenow', 'incident_id') }}, coalesce(opened_at, created_at), caller_key, 'servicenow', 'report'
    from servicenow_incidents
),

actions as (
    select * from jira_actions
    union all
    select * from zendesk_actions
    union all
    select * from servicenow_actions
),

loads as (
    select ticket_id, loaded_at as source_loaded_at from {{ ref('int_tickets__source_loads') }}
)

select
    actions.ticket_system,
    actions.ticket_id,
    actions.acted_at,
    actions.action_type,
    actions.action_type in ('comment', 'status_change', 'resolution') as is_response,
    identities.person_key,
    dept.department_name,
    loads.source_loaded_at
from actions
inner join loads on loads.ticket_id = actions.ticket_id
left join identities
    on identities.source = actions.identity_source and identities.identity_key = actions.identity_key
{{ department_on_day_join('identities.person_key', 'actions.acted_at', 'dept') }}
where actions.acted_at is not null
