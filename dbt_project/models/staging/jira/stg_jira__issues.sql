-- One row per Jira issue, typed; the latest landed version wins.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='issue_id',
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_jira', 'issues'), ['issue_id'], order_by='updated_at desc, _loaded_at desc') }}
)

select
    issue_id,
    issue_key,
    project_key,
    issue_type,
    status,
    status_category,
    priority,
    resolution,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    cast(resolved_at as timestamp) as resolved_at,
    assignee_key,
    reporter_key,
    creator_key,
    parent_key,
    parent_type,
    epic_key,
    cast(labels as {{ type_varchar() }}) as labels_json,
    team_id,
    team_name,
    _loaded_at as loaded_at
from source
