-- One row per sys_user. user_name_key is the namespace audit rows name their author by.
with source as (
    {{ latest_rows(source('raw_servicenow', 'users'), ['identity_key'], order_by='sys_updated_on desc, _loaded_at desc') }}
)

select
    identity_key,
    user_name_key,
    person_key,
    department_id,
    manager_key,
    active as is_active,
    cast(sys_updated_on as timestamp) as updated_at,
    _loaded_at as loaded_at
from source
