-- Current department, team and role of every pseudonymous person. Internal: it carries person_key,
-- so it is never published (the BI contract forbids person_key in published marts).
select
    person_key,
    department_name,
    team_name,
    role_family,
    job_title,
    manager_person_key,
    employment_start_date,
    employment_end_date,
    valid_from as in_department_since
from {{ ref('int_org__person_departments') }}
where valid_to is null
