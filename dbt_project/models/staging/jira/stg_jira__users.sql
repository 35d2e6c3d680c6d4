-- One row per Jira account.
with source as (
    select * from {{ source('raw_jira', 'users') }}
    qualify row_number() over (partition by identity_key order by _loaded_at desc) = 1
)

select
    identity_key,
    person_key,
    account_type,
    active as is_active,
    _loaded_at as loaded_at
from source
