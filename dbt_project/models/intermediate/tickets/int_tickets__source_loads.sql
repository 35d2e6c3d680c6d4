{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- When each ticket last received a landed source row (issue, change, comment, audit, metric): the
-- incremental ticket models rebuild exactly the tickets whose loaded_at is newer than their last
-- run (minus a lookback). Grain ticket_id. Incremental itself: a run reads only the staged rows
-- landed since its last run.
{%- set since_last_run = 'where ' ~ loaded_since_last_run('loaded_at') %}

with landed as (
    select {{ ticket_id('jira', 'issue_id') }} as ticket_id, loaded_at from {{ ref('stg_jira__issues') }} {{ since_last_run }}
    union all
    select {{ ticket_id('jira', 'issue_id') }}, loaded_at from {{ ref('stg_jira__issue_changes') }} {{ since_last_run }}
    union all
    select {{ ticket_id('jira', 'issue_id') }}, loaded_at from {{ ref('stg_jira__comments') }} {{ since_last_run }}
    union all
    select {{ ticket_id('zendesk', 'ticket_id') }}, loaded_at
    from {{ ref('stg_zendesk__tickets') }} {{ since_last_run }}
    union all
    select {{ ticket_id('zendesk', 'ticket_id') }}, loaded_at
    from {{ ref('stg_zendesk__ticket_audit_events') }} {{ since_last_run }}
    union all
    select {{ ticket_id('zendesk', 'ticket_id') }}, loaded_at
    from {{ ref('stg_zendesk__ticket_metrics') }} {{ since_last_run }}
    union all
    select {{ ticket_id('servicenow', 'incident_id') }}, loaded_at from {{ ref('stg_servicenow__incidents') }} {{ since_last_run }}
    union all
    select {{ ticket_id('servicenow', 'incident_id') }}, loaded_at
    from {{ ref('stg_servicenow__assignment_history') }} {{ since_last_run }}
)

select ticket_id, max(loaded_at) as loaded_at
from landed
group by ticket_id
