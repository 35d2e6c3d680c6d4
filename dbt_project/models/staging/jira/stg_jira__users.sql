-- One row per Jira account.
with source as (
    {{ latest_rows(source('raw_jira', 'users'), ['identity_key']) }}
)

select
    identity_key,
    person_key,
    account_type,
    active as is_active,
    _loaded_at as loaded_at
from source
