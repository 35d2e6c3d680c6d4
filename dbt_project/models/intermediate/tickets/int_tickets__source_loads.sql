{{ config(materialized='view') }}
-- Every landed source row that belongs to a ticket, with its landing time: the incremental models
-- rebuild exactly the tickets that received rows since their last run (minus a lookback).
select {{ dbt.concat(["'jira:'", 'issue_id']) }} as ticket_id, loaded_at from {{ ref('stg_jira__issues') }}
union all
select {{ dbt.concat(["'jira:'", 'issue_id']) }}, loaded_at from {{ ref('stg_jira__issue_changes') }}
union all
select {{ dbt.concat(["'jira:'", 'issue_id']) }}, loaded_at from {{ ref('stg_jira__comments') }}
union all
select {{ dbt.concat(["'zendesk:'", dbt.safe_cast('ticket_id', api.Column.translate_type('string'))]) }}, loaded_at
from {{ ref('stg_zendesk__tickets') }}
union all
select {{ dbt.concat(["'zendesk:'", dbt.safe_cast('ticket_id', api.Column.translate_type('string'))]) }}, loaded_at
from {{ ref('stg_zendesk__ticket_audit_events') }}
union all
select {{ dbt.concat(["'zendesk:'", dbt.safe_cast('ticket_id', api.Column.translate_type('string'))]) }}, loaded_at
from {{ ref('stg_zendesk__ticket_metrics') }}
union all
select {{ dbt.concat(["'servicenow:'", 'incident_id']) }}, loaded_at from {{ ref('stg_servicenow__incidents') }}
union all
select {{ dbt.concat(["'servicenow:'", 'incident_id']) }}, loaded_at from {{ ref('stg_servicenow__assignment_history') }}
