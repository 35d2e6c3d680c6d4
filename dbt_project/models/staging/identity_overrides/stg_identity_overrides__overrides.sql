-- One row per vendor identity mapped by hand to a person.
with source as (
    select * from {{ source('raw_identity_overrides', 'overrides') }}
    qualify row_number() over (partition by source, identity_key order by _loaded_at desc) = 1
)

select
    lower(trim(source)) as source,
    identity_key,
    person_key,
    _loaded_at as loaded_at
from source
