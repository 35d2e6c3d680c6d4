-- One row per changelog item; field names lower-cased so 'Team'/'team' and 'assignee' compare equal.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['issue_id', 'history_id', 'item_index'],
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_jira', 'issue_changes'), ['issue_id', 'history_id', 'item_index']) }}
)

select
    issue_id,
    history_id,
    item_index,
    cast(changed_at as timestamp) as changed_at,
    author_key,
    lower(field) as field_name,
    field_id,
    from_value,
    from_string,
    to_value,
    to_string,
    _loaded_at as loaded_at
from source
