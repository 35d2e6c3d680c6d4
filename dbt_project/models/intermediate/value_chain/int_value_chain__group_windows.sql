{{ config(materialized='ephemeral') }}
-- Which departments make up each initiative's groups in each window: one row per initiative, window
-- (baseline, current, and the baseline's halves pre_early / pre_late for the parallel-trend check)
-- and department in a group (target = the initiative's departments; comparison = the configured
-- comparison departments, else every other department). Shared by the link units and the link
-- measurements, so both classify departments the same way. Ephemeral: inlined, never stored.
with initiatives as (
    select * from {{ ref('int_value_chain__initiative_windows') }}
),

windows as (
    select initiative_id, target_departments, comparison_departments, tools,
        'baseline' as window_name, baseline_start as window_start, baseline_end as window_end
    from initiatives
    union all
    select initiative_id, target_departments, comparison_departments, tools, 'current', current_start, current_end
    from initiatives
    union all
    select initiative_id, target_departments, comparison_departments, tools,
        'pre_early', baseline_start, cast({{ dbt.dateadd('day', -1, 'pre_split') }} as date)
    from initiatives
    union all
    select initiative_id, target_departments, comparison_departments, tools, 'pre_late', pre_split, baseline_end
    from initiatives
),

classified as (
    -- Department lists are '|' separated directory department names.
    select
        windows.*,
        departments.department_name,
        case
            when {{ dbt.position(dbt.concat(["'|'", 'departments.department_name', "'|'"]), dbt.concat(["'|'", 'windows.target_departments', "'|'"])) }} > 0
                then 'target'
            when windows.comparison_departments = ''
                or {{ dbt.position(dbt.concat(["'|'", 'departments.department_name', "'|'"]), dbt.concat(["'|'", 'windows.comparison_departments', "'|'"])) }} > 0
                then 'comparison'
        end as group_name
    from windows
    cross join {{ ref('dim_department') }} as departments
)

select * from classified where group_name is not null
