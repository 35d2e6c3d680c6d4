-- One row per BambooHR employee and snapshot date.
with source as (
    {{ latest_rows(source('raw_bamboohr', 'employees'), ['employee_key', 'snapshot_date']) }}
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
