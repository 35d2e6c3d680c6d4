-- One row per Entra ID user and snapshot date.
with source as (
    {{ latest_rows(source('raw_msgraph_directory', 'users'), ['user_key', 'snapshot_date']) }}
)

select
    user_key,
    cast(snapshot_date as date) as snapshot_date,
    person_key,
    upn_person_key,
    employee_key,
    nullif(trim(department), '') as department_name,
    job_title,
    office_location,
    company_name,
    account_enabled as is_account_enabled,
    cast(hire_date as date) as hire_date,
    manager_user_key,
    manager_person_key,
    _loaded_at as loaded_at
from source
