-- Effective-dated directory: one row per person and period in which their department, team and
-- role stayed the same (valid_from inclusive, valid_to exclusive, null for the last period).
-- Repeated snapshots with unchanged attributes collapse into one period, so a mover's past stays
-- with the department they were in at the time.
--
-- Source precedence (one source for the whole directory, so nobody is counted twice): the directory
-- CSV export (HR's record, with job history rows) when it has rows; else BambooHR (HR system);
-- else Microsoft Graph (IT's directory, no team or role family). Graph and BambooHR are snapshots:
-- a period starts on the first snapshot that shows it.
--
-- Leavers: an end date reported by the source wins; otherwise a person missing from the latest
-- full snapshot of the chosen source left on the first snapshot date that no longer lists them.
--
-- History from the first snapshot (var directory_backfill, env ARCHIPELAGO_DIRECTORY_BACKFILL,
-- default true): a snapshot says where people are, not since when. A person's first period, when
-- it comes from a snapshot rather than a reported valid_from, starts at their employment start date,
-- or (none known) at the start of the landed usage history, so the usage the connectors backfill
-- has departments from a tenant's first export on. A later snapshot that shows a change starts a
-- new period as before. Off: a snapshot's rows apply from its snapshot date only.
{%- set backfill = var('directory_backfill', 'true') | string | lower in ('true', '1', 'yes', 'on') %}
with csv_rows as (
    select
        'directory_csv' as directory_source,
        person_key, valid_from, snapshot_date, department_name, team_name, role_family, job_title,
        manager_person_key, employment_start_date, employment_end_date, is_valid_from_reported
    from {{ ref('stg_directory_csv__employees') }}
),

bamboohr_rows as (
    select
        'bamboohr' as directory_source,
        person_key, snapshot_date as valid_from, snapshot_date, department_name,
        cast(null as {{ dbt.type_string() }}) as team_name, 'unknown' as role_family, job_title,
        supervisor_person_key as manager_person_key,
        cast(null as date) as employment_start_date, cast(null as date) as employment_end_date,
        false as is_valid_from_reported
    from {{ ref('stg_bamboohr__employees') }}
    where person_key is not null and department_name is not null
),

msgraph_rows as (
    select
        'msgraph' as directory_source,
        person_key, snapshot_date as valid_from, snapshot_date, department_name,
        cast(null as {{ dbt.type_string() }}) as team_name, 'unknown' as role_family, job_title,
        manager_person_key, hire_date as employment_start_date, cast(null as date) as employment_end_date,
        false as is_valid_from_reported
    from {{ ref('stg_msgraph_directory__users') }}
    -- Disabled accounts and service accounts without a department are not staff.
    where person_key is not null and department_name is not null and coalesce(is_account_enabled, true)
),

all_rows as (
    select * from csv_rows
    union all
    select * from bamboohr_rows
    union all
    select * from msgraph_rows
),

chosen_source as (
    select directory_source
    from (select distinct directory_source from all_rows) as present
    order by case directory_source when 'directory_csv' then 1 when 'bamboohr' then 2 else 3 end
    limit 1
),

rows as (
    select all_rows.*
    from all_rows
    inner join chosen_source on chosen_source.directory_source = all_rows.directory_source
),

snapshots as (
    select distinct snapshot_date from rows
),

last_seen as (
    select person_key, max(snapshot_date) as last_seen_on from rows group by person_key
),

departed as (
    -- First snapshot after the last one that listed the person: they had left by then.
    select last_seen.person_key, min(snapshots.snapshot_date) as absent_since
    from last_seen
    inner join snapshots on snapshots.snapshot_date > last_seen.last_seen_on
    group by last_seen.person_key
),

versions as (
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
        is_valid_from_reported,
        lag(department_name) over (partition by person_key order by valid_from) as prev_department,
        lag(team_name) over (partition by person_key order by valid_from) as prev_team,
        lag(role_family) over (partition by person_key order by valid_from) as prev_role_family,
        row_number() over (partition by person_key order by valid_from) as version_number,
        count(*) over (partition by person_key) as versions_of_person
    from (
        -- Several snapshots of one valid_from (snapshot sources): the latest wins.
        select *
        from (
            select *, row_number() over (partition by person_key, valid_from order by snapshot_date desc) as snapshot_rank
            from rows
        ) as ranked
        where snapshot_rank = 1
    ) as deduped
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
    where version_number = versions_of_person
),

history_start as (
    -- The first day of landed AI-tool usage: where a first snapshot's department reaches back to
    -- for a person without a known start date.
    select first_day from {{ ref('int_adoption__as_of') }}
),

first_periods as (
    -- Where each person's first period starts: its snapshot date, or back-filled (see the header).
    select
        changes.person_key,
        changes.valid_from as reported_from,
        {% if backfill -%}
        case
            when changes.is_valid_from_reported then changes.valid_from
            when latest.employment_start_date is not null then least(changes.valid_from, latest.employment_start_date)
            -- No start date: only people on the source's first snapshot reach back (later ones joined).
            when changes.valid_from = first_snapshot.snapshot_date
                then least(changes.valid_from, coalesce(history_start.first_day, changes.valid_from))
            else changes.valid_from
        end
        {%- else -%}
        changes.valid_from
        {%- endif %} as first_valid_from
    from changes
    inner join latest on latest.person_key = changes.person_key
    cross join history_start
    cross join (select min(snapshot_date) as snapshot_date from snapshots) as first_snapshot
    where changes.version_number = 1
),

first_seen as (
    -- Snapshot sources have no start date: the start of the first period stands in.
    select person_key, first_valid_from from first_periods
)

select
    changes.person_key,
    changes.department_name,
    changes.team_name,
    changes.role_family,
    latest.job_title,
    latest.manager_person_key,
    coalesce(latest.employment_start_date, first_seen.first_valid_from) as employment_start_date,
    coalesce(latest.employment_end_date, departed.absent_since) as employment_end_date,
    case when changes.version_number = 1 then first_seen.first_valid_from else changes.valid_from end as valid_from,
    lead(changes.valid_from) over (partition by changes.person_key order by changes.valid_from) as valid_to
from changes
inner join latest on latest.person_key = changes.person_key
inner join first_seen on first_seen.person_key = changes.person_key
left join departed on departed.person_key = changes.person_key
