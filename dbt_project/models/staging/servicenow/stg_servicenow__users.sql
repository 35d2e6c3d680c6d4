-- One row per sys_user. user_name_key is the namespace audit rows name their author by.
with source as (
    select * from {{ source('raw_servicenow', 'users') }}
    qualify row_number() over (partition by identity_key order by sys_updated_on desc, _loaded_at desc) = 1
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
