{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- One row per ticket of any ticketing system: Jira issues, Zendesk tickets, ServiceNow incidents.
-- ticket_id is namespaced by system ('jira:10001') so ids of different systems never collide.
-- Incremental like the other ticket models: a run rebuilds the tickets that received source rows
-- since its last run (macros/changed_tickets_filter.sql).
with jira_issues as ({{ changed_ticket_rows(ref('stg_jira__issues'), 'jira', 'issue_id') }}),

zendesk_tickets as ({{ changed_ticket_rows(ref('stg_zendesk__tickets'), 'zendesk', 'ticket_id') }}),

servicenow_incidents as ({{ changed_ticket_rows(ref('stg_servicenow__incidents'), 'servicenow', 'incident_id') }}),

jira as (
    select
        'jira' as ticket_system,
        {{ ticket_id('jira', 'issue_id') }} as ticket_id,
        issue_key as native_ticket_key,
        project_key as queue_name,
        issue_type as ticket_type,
        created_at,
        resolved_at,
        labels_json as labels_text,
        updated_at,
        loaded_at
    from jira_issues
),

zendesk as (
    select
        'zendesk' as ticket_system,
        {{ ticket_id('zendesk', 'tickets.ticket_id') }} as ticket_id,
        {{ dbt.safe_cast('tickets.ticket_id', api.Column.translate_type('string')) }} as native_ticket_key,
        groups.group_name as queue_name,
        tickets.ticket_type,
        tickets.created_at,
        -- Solved is Zendesk's resolution; a reopened ticket is unresolved until solved again.
        case when tickets.status in ('solved', 'closed') then coalesce(metrics.solved_at, tickets.updated_at) end as resolved_at,
        tickets.tags_json as labels_text,
        tickets.updated_at,
        tickets.loaded_at
    from zendesk_tickets as tickets
    left join {{ ref('stg_zendesk__ticket_metrics') }} as metrics on metrics.ticket_id = tickets.ticket_id
    left join {{ ref('stg_zendesk__groups') }} as groups on groups.group_id = tickets.group_id
),

servicenow as (
    select
        'servicenow' as ticket_system,
        {{ ticket_id('servicenow', 'incidents.incident_id') }} as ticket_id,
        incidents.incident_number as native_ticket_key,
        groups.group_name as queue_name,
        incidents.category as ticket_type,
        coalesce(incidents.opened_at, incidents.created_at) as created_at,
        -- States 6 resolved, 7 closed; 8 cancelled is not a resolution.
        case when incidents.state in ('6', '7') then coalesce(incidents.resolved_at, incidents.closed_at) end as resolved_at,
        cast(null as {{ dbt.type_string() }}) as labels_text,
        incidents.updated_at,
        incidents.loaded_at
    from servicenow_incidents as incidents
    left join {{ ref('stg_servicenow__groups') }} as groups on groups.group_id = incidents.assignment_group_id
),

tickets as (
    select * from jira
    union all
    select * from zendesk
    union all
    select * from servicenow
)

select tickets.*, loads.loaded_at as source_loaded_at
from tickets
inner join {{ ref('int_tickets__source_loads') }} as loads on loads.ticket_id = tickets.ticket_id
