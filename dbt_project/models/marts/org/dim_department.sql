-- Every department the directory has ever named; the key BI tools join the other marts on.
with departments as (
    select
        department_name,
        min(valid_from) as first_seen_on,
        max(case when valid_to is null and employment_end_date is null then 1 else 0 end) as has_current_staff
    from {{ ref('int_org__person_departments') }}
    group by department_name
)

select
    lower(replace(department_name, ' ', '_')) as department_id,
    department_name,
    first_seen_on,
    has_current_staff = 1 as is_active
from departments
