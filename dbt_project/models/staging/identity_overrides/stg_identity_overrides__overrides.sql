-- One row per vendor identity mapped by hand to a person.
with source as (
    {{ latest_rows(source('raw_identity_overrides', 'overrides'), ['source', 'identity_key']) }}
)

select
    lower(trim(source)) as source,
    identity_key,
    person_key,
    _loaded_at as loaded_at
from source
