-- Effective-dated directory: one row per person and period in which their department, team and
-- role stayed the same (valid_from inclusive, valid_to exclusive, null while current). Repeated
-- snapshots with unchanged attributes collapse into one period, so a mover's past stays with the
-- department they were in at the time.
with versions as (
    select
        person_key,
        valid_from,
        department_name,
        team_name,
        role_family,
        job_title,
        manager_person_key,
        employment_start_date,
        employment_end_date,
        lag(department_name) over (partition by person_key order by valid_from) as prev_department,
        lag(team_name) over (partition by person_key order by valid_from) as prev_team,
        lag(role_family) over (partition by person_key order by valid_from) as prev_role_family,
        row_number() over (partition by person_key order by valid_from) as version_number
    from {{ ref('stg_directory_csv__employees') }}
),

changes as (
    select *
    from versions
    where version_number = 1
        or department_name is distinct from prev_department
        or team_name is distinct from prev_team
        or role_family is distinct from prev_role_family
),

latest as (
    -- Employment dates and title as last reported, whatever the period.
    select person_key, employment_start_date, employment_end_date, job_title, manager_person_key
    from versions
    qualify row_number() over (partition by person_key order by valid_from desc) = 1
)

select
    changes.person_key,
    changes.department_name,
    changes.team_name,
    changes.role_family,
    latest.job_title,
    latest.manager_person_key,
    latest.employment_start_date,
    latest.employment_end_date,
    changes.valid_from,
    lead(changes.valid_from) over (partition by changes.person_key order by changes.valid_from) as valid_to
from changes
inner join latest on latest.person_key = changes.person_key
