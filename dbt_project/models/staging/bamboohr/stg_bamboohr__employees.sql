-- One row per BambooHR employee and snapshot date.
with source as (
    select * from {{ source('raw_bamboohr', 'employees') }}
    qualify row_number() over (partition by employee_key, snapshot_date order by _loaded_at desc) = 1
)

select
    employee_key,
    cast(snapshot_date as date) as snapshot_date,
    person_key,
    employee_number_key,
    nullif(trim(department), '') as department_name,
    division,
    job_title,
    location,
    supervisor_employee_key,
    supervisor_person_key,
    supervisor_resolution,
    _loaded_at as loaded_at
from source
