-- One row per person and valid_from, typed and trimmed; no business logic.
with source as (
    select * from {{ source('raw_directory_csv', 'employees') }}
)

select
    person_key,
    cast(valid_from as date) as valid_from,
    -- The export carried job history (valid_from); rows landed before the flag existed: a valid_from
    -- other than the snapshot date can only have come from the export.
    coalesce(valid_from_reported, cast(valid_from as date) <> cast(snapshot_date as date)) as is_valid_from_reported,
    employee_key,
    trim(department) as department_name,
    nullif(trim(team), '') as team_name,
    coalesce(nullif(trim(role_family), ''), 'unknown') as role_family,
    job_title,
    manager_person_key,
    location,
    cast(start_date as date) as employment_start_date,
    cast(end_date as date) as employment_end_date,
    cast(snapshot_date as date) as snapshot_date,
    _loaded_at as loaded_at
from source
