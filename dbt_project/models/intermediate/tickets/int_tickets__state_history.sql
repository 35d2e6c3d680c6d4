-- depends_on: {{ ref('int_tickets__source_loads') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- Who held each ticket and which department was responsible, as effective-dated states
-- (Fivetran field-history style: every assignee/group change opens a state, valid_to = lead()).
-- Grain ticket_id x valid_from. Rebuilt per ticket in incremental runs.
--
-- The responsible department: Zendesk and ServiceNow by the ticket's group (seed
-- ticket_group_departments, in force on the day), else the assignee's department; Jira by the
-- assignee's department on the day (the Team field follows the assignee), else the Team's
-- department in the directory, else the project's (seed). The assignee's department is the one on
-- the day of the state, so a mover's past tickets stay with the old department.
-- Every source CTE reads only the tickets in scope (all of them when built from scratch).
with issues as ({{ changed_ticket_rows(ref('stg_jira__issues'), 'jira', 'issue_id') }}),

jira_changes as (
    select * from {{ ref('stg_jira__issue_changes') }}
    where field_name in ('assignee', 'team') and {{ changed_tickets_filter(ticket_id('jira', 'issue_id')) }}
),

jira_first as (
    -- The value before the first change is the value at creation.
    select issue_id, field_name, from_value, from_string
    from (
        select *, row_number() over (partition by issue_id, field_name order by changed_at, history_id, item_index) as change_rank
        from jira_changes
    ) as ranked
    where change_rank = 1
),

jira_events as (
    select issues.issue_id, issues.created_at as changed_at, 'assignee' as field_name,
        case when first_assignee.issue_id is not null then first_assignee.from_value else issues.assignee_key end as value
    from issues
    left join jira_first as first_assignee
        on first_assignee.issue_id = issues.issue_id and first_assignee.field_name = 'assignee'
    union all
    select issues.issue_id, issues.created_at, 'group',
        case when first_team.issue_id is not null then first_team.from_string else issues.team_name end
    from issues
    left join jira_first as first_team
        on first_team.issue_id = issues.issue_id and first_team.field_name = 'team'
    union all
    select issue_id, changed_at, case field_name when 'team' then 'group' else 'assignee' end,
        case field_name when 'team' then to_string else to_value end
    from jira_changes
),

zendesk_tickets as ({{ changed_ticket_rows(ref('stg_zendesk__tickets'), 'zendesk', 'ticket_id') }}),

zendesk_groups as (
    select group_id, group_name from {{ ref('stg_zendesk__groups') }}
),

zendesk_changes as (
    select ticket_id, created_at, event_id, field_name, value, previous_value
    from {{ ref('stg_zendesk__ticket_audit_events') }}
    where field_name in ('assignee_id', 'group_id') and event_type in ('Create', 'Change')
        and {{ changed_tickets_filter(ticket_id('zendesk', 'ticket_id')) }}
),

zendesk_first as (
    select ticket_id, field_name, previous_value
    from (
        select *, row_number() over (partition by ticket_id, field_name order by created_at, event_id) as change_rank
        from zendesk_changes
    ) as ranked
    where change_rank = 1
),

zendesk_raw_events as (
    select tickets.ticket_id, tickets.created_at as changed_at, 'assignee' as field_name,
        case when first_assignee.ticket_id is not null then first_assignee.previous_value else tickets.assignee_key end as value
    from zendesk_tickets as tickets
    left join zendesk_first as first_assignee
        on first_assignee.ticket_id = tickets.ticket_id and first_assignee.field_name = 'assignee_id'
    union all
    -- A ticket without any group event (export gap) keeps its current group from creation on.
    select tickets.ticket_id, tickets.created_at, 'group',
        {{ dbt.safe_cast('tickets.group_id', api.Column.translate_type('string')) }}
    from zendesk_tickets as tickets
    left join zendesk_first as first_group
        on first_group.ticket_id = tickets.ticket_id and first_group.field_name = 'group_id'
    where first_group.ticket_id is null
    union all
    select ticket_id, created_at, case field_name when 'group_id' then 'group' else 'assignee' end, value
    from zendesk_changes
),

zendesk_events as (
    -- Group ids become names, the key of the mapping seed.
    select events.ticket_id, events.changed_at, events.field_name,
        case when events.field_name = 'group' then groups.group_name else events.value end as value
    from zendesk_raw_events as events
    left join zendesk_groups as groups
        on events.field_name = 'group'
        and {{ dbt.safe_cast('groups.group_id', api.Column.translate_type('string')) }} = events.value
),

incidents as ({{ changed_ticket_rows(ref('stg_servicenow__incidents'), 'servicenow', 'incident_id') }}),

servicenow_changes as (
    select incident_id, changed_at, audit_id, field_name, old_value, new_value
    from {{ ref('stg_servicenow__assignment_history') }}
    where field_name in ('assignment_group', 'assigned_to')
        and {{ changed_tickets_filter(ticket_id('servicenow', 'incident_id')) }}
),

servicenow_first as (
    select incident_id, field_name, old_value
    from (
        select *, row_number() over (partition by incident_id, field_name order by changed_at, audit_id) as change_rank
        from servicenow_changes
    ) as ranked
    where change_rank = 1
),

servicenow_raw_events as (
    select incidents.incident_id, coalesce(incidents.opened_at, incidents.created_at) as changed_at, 'assignee' as field_name,
        case when first_assignee.incident_id is not null then first_assignee.old_value else incidents.assigned_to_key end as value
    from incidents
    left join servicenow_first as first_assignee
        on first_assignee.incident_id = incidents.incident_id and first_assignee.field_name = 'assigned_to'
    union all
    select incidents.incident_id, coalesce(incidents.opened_at, incidents.created_at), 'group',
        case when first_group.incident_id is not null then first_group.old_value else incidents.assignment_group_id end
    from incidents
    left join servicenow_first as first_group
        on first_group.incident_id = incidents.incident_id and first_group.field_name = 'assignment_group'
    union all
    select incident_id, changed_at, case field_name when 'assignment_group' then 'group' else 'assignee' end, new_value
    from servicenow_changes
),

servicenow_events as (
    select events.incident_id, events.changed_at, events.field_name,
        case when events.field_name = 'group' then groups.group_name else events.value end as value
    from servicenow_raw_events as events
    left join {{ ref('stg_servicenow__groups') }} as groups
        on events.field_name = 'group' and groups.group_id = events.value
),

events as (
    select 'jira' as ticket_system, {{ ticket_id('jira', 'issue_id') }} as ticket_id,
        changed_at, field_name, value
    from jira_events
    union all
    select 'zendesk', {{ ticket_id('zendesk', 'ticket_id') }},
        changed_at, field_name, value
    from zendesk_events
    union all
    select 'servicenow', {{ ticket_id('servicenow', 'incident_id') }}, changed_at, field_name, value
    from servicenow_events
),

scoped_events as (
    select * from events
    where changed_at is not null
),

sequenced as (
    -- Running count of each field's events: the rows after a field's event share its count, so the
    -- field's value at any moment is the one event row of its (ticket, count) partition. Events at
    -- the same instant are peers of the default RANGE frame and land in one state.
    select
        *,
        sum(case when field_name = 'group' then 1 else 0 end)
            over (partition by ticket_id order by changed_at) as group_seq,
        sum(case when field_name = 'assignee' then 1 else 0 end)
            over (partition by ticket_id order by changed_at) as assignee_seq
    from scoped_events
),

filled as (
    select
        ticket_system,
        ticket_id,
        changed_at,
        max(case when field_name = 'group' then value end) over (partition by ticket_id, group_seq) as group_name,
        max(case when field_name = 'assignee' then value end) over (partition by ticket_id, assignee_seq) as assignee_identity_key
    from sequenced
),

states as (
    select distinct ticket_system, ticket_id, changed_at as valid_from, group_name, assignee_identity_key
    from filled
),

identities as (
    select * from {{ ref('int_tickets__identities') }}
),

group_map as (
    select source, group_name, department_name, valid_from from {{ ref('ticket_group_departments') }}
),

team_departments as (
    -- A Jira Team is a directory team; the department most of its people are in.
    select team_name, department_name
    from (
        select
            team_name,
            department_name,
            row_number() over (partition by team_name order by count(*) desc, department_name) as size_rank
        from {{ ref('int_org__person_departments') }}
        where team_name is not null
        group by team_name, department_name
    ) as ranked
    where size_rank = 1
),

ticket_projects as (
    select {{ ticket_id('jira', 'issue_id') }} as ticket_id, project_key from issues
),

resolved_candidates as (
    select
        states.*,
        identities.person_key as holder_person_key,
        dept.department_name as holder_department,
        group_department.department_name as group_department,
        team_departments.department_name as team_department,
        project_department.department_name as project_department,
        -- The mapping row in force: the latest valid_from on or before the state.
        row_number() over (
            partition by states.ticket_id, states.valid_from
            order by group_department.valid_from desc, project_department.valid_from desc
        ) as mapping_rank
    from states
    left join identities
        on identities.source = states.ticket_system and identities.identity_key = states.assignee_identity_key
    {{ department_on_day_join('identities.person_key', 'states.valid_from', 'dept') }}
    left join group_map as group_department
        on states.ticket_system in ('zendesk', 'servicenow')
        and group_department.source = states.ticket_system
        and group_department.group_name = states.group_name
        and group_department.valid_from <= cast(states.valid_from as date)
    left join team_departments
        on states.ticket_system = 'jira' and team_departments.team_name = states.group_name
    left join ticket_projects on ticket_projects.ticket_id = states.ticket_id
    left join group_map as project_department
        on states.ticket_system = 'jira'
        and project_department.source = 'jira_project'
        and project_department.group_name = ticket_projects.project_key
        and project_department.valid_from <= cast(states.valid_from as date)
),

resolved as (
    select * from resolved_candidates where mapping_rank = 1
),

with_department as (
    select
        ticket_system,
        ticket_id,
        valid_from,
        group_name,
        holder_person_key,
        case
            when ticket_system = 'jira' then coalesce(holder_department, team_department, project_department)
            else coalesce(group_department, holder_department)
        end as department_name,
        case
            when ticket_system = 'jira' and holder_department is not null then 'assignee'
            when ticket_system = 'jira' and team_department is not null then 'team'
            when ticket_system = 'jira' and project_department is not null then 'project'
            when group_department is not null then 'group'
            when holder_department is not null then 'assignee'
        end as department_source
    from resolved
),

changes_only as (
    -- Drop states identical to the previous one (e.g. a group set to its current value).
    select *
    from (
        select
            *,
            lag(group_name) over (partition by ticket_id order by valid_from) as prev_group_name,
            lag(holder_person_key) over (partition by ticket_id order by valid_from) as prev_holder,
            lag(department_name) over (partition by ticket_id order by valid_from) as prev_department,
            row_number() over (partition by ticket_id order by valid_from) as raw_number
        from with_department
    ) as compared
    where raw_number = 1
        or group_name is distinct from prev_group_name
        or holder_person_key is distinct from prev_holder
        or department_name is distinct from prev_department
),

loads as (
    select ticket_id, loaded_at as source_loaded_at from {{ ref('int_tickets__source_loads') }}
)

select
    changes_only.ticket_system,
    changes_only.ticket_id,
    row_number() over (partition by changes_only.ticket_id order by changes_only.valid_from) as state_number,
    changes_only.valid_from,
    lead(changes_only.valid_from) over (partition by changes_only.ticket_id order by changes_only.valid_from) as valid_to,
    changes_only.group_name,
    changes_only.holder_person_key,
    changes_only.department_name,
    changes_only.department_source,
    loads.source_loaded_at
from changes_only
inner join loads on loads.ticket_id = changes_only.ticket_id
