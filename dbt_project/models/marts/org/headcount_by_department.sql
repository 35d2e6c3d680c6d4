-- Headcount by department and role family on the directory's latest snapshot date, with the
-- joiners and leavers of the 90 days before it (docs/metrics.md#orgheadcount_by_department).
-- Headcount is org structure and always published; joiners and leavers are HR events about people,
-- published only where the headcount is at least the privacy floor k.
{% set k = var('privacy_k') | int %}

with as_of as (
    select max(snapshot_date) as as_of_date from {{ ref('stg_directory_csv__employees') }}
),

periods as (
    select periods.*, as_of.as_of_date
    from {{ ref('int_org__person_departments') }} as periods
    cross join as_of
),

on_as_of as (
    -- The period each person was in on the as-of date (a leaver: their last period).
    select *
    from (
        select *, row_number() over (partition by person_key order by valid_from desc) as period_rank
        from periods
        where valid_from <= as_of_date
    ) as ranked
    where period_rank = 1
),

counted as (
    select
        department_name,
        role_family,
        as_of_date,
        count(case when employment_start_date <= as_of_date
                    and (employment_end_date is null or employment_end_date > as_of_date) then 1 end) as headcount,
        count(case when employment_start_date > {{ dbt.dateadd('day', -90, 'as_of_date') }}
                    and employment_start_date <= as_of_date then 1 end) as joiners_last_90_days,
        count(case when employment_end_date > {{ dbt.dateadd('day', -90, 'as_of_date') }}
                    and employment_end_date <= as_of_date then 1 end) as leavers_last_90_days
    from on_as_of
    group by department_name, role_family, as_of_date
),

flagged as (
    select counted.*, headcount < {{ k }} as is_suppressed
    from counted
)

select
    lower(replace(department_name, ' ', '_')) as department_id,
    department_name,
    role_family,
    as_of_date,
    headcount,
    {{ unless_suppressed('joiners_last_90_days') }} as joiners_last_90_days,
    {{ unless_suppressed('leavers_last_90_days') }} as leavers_last_90_days,
    is_suppressed
from flagged
