-- One row per Jira comment.
-- Incremental (large, grows every day): a run stages only the rows landed since the last one.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='comment_id',
    on_schema_change='fail'
) }}
with source as (
    {{ latest_rows(source('raw_jira', 'comments'), ['comment_id'], order_by='updated_at desc, _loaded_at desc') }}
)

select
    comment_id,
    issue_id,
    author_key,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    is_public,
    _loaded_at as loaded_at
from source
