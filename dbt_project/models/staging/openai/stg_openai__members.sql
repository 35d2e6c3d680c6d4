-- One row per member snapshot day and OpenAI user. person_key comes from the member's e-mail;
-- a private address yields a key no directory row has, which identity resolution overrides.
select
    cast(snapshot_date as date) as snapshot_date,
    identity_key,
    person_key,
    role,
    cast(added_at as date) as member_since,
    coalesce(is_service_account, false) as is_service_account,
    _loaded_at as loaded_at
from {{ source('raw_openai', 'members') }}
