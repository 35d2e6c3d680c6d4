-- One row per Zendesk user.
with source as (
    {{ latest_rows(source('raw_zendesk', 'users'), ['identity_key'], order_by='updated_at desc, _loaded_at desc') }}
)

select
    identity_key,
    person_key,
    role,
    active as is_active,
    suspended as is_suspended,
    default_group_id,
    organization_id,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    _loaded_at as loaded_at
from source
