-- KPI scorecard per month, department and KPI (docs/metrics.md#kpiscorecard_monthly): at most nine
-- core KPIs, each with baseline (observation-weighted mean of the first var kpi_baseline_months
-- complete months with data), current value, target (config/kpi_targets.csv) and status: on_track
-- when the target is met, at_risk when within at_risk_margin of it, off_track beyond, no_data without
-- a value, incomplete while the month is not over (its value is shown, not scored), suppressed for a
-- people KPI over fewer than k people (value and baseline withheld). A shared cross-functional
-- KPI (is_shared) is one target owned by several departments: each owner gets a row carrying the
-- owners' combined value (weighted by observations: exact for shares, approximate for medians/NPS).
{% set baseline_months = var('kpi_baseline_months', 3) %}
{% set k = var('privacy_k') | int %}
{#- KPIs that describe people (their observations are people or respondents): the privacy floor applies. -#}
{% set people_kpis = ['weekly_active_ai_users_share', 'tool_nps', 'training_completion_share'] %}

with values_ as (
    select * from {{ ref('int_kpi__department_month_values') }}
),

months as (
    select distinct month_start from values_
),

departments as (
    select department_id, department_name from {{ ref('dim_department') }}
),

targets as (
    select
        kpi,
        departments as owner_list,
        is_shared,
        target_value,
        direction,
        at_risk_margin,
        unit,
        cast(valid_from as date) as valid_from
    from {{ ref('kpi_targets') }}
),

applicable as (
    -- The target row in force for each month, department and KPI: a listed department beats '*',
    -- then the latest version.
    select
        months.month_start,
        departments.department_id,
        departments.department_name,
        targets.*,
        row_number() over (
            partition by months.month_start, departments.department_name, targets.kpi
            order by case when targets.owner_list = '*' then 2 else 1 end, targets.valid_from desc
        ) as preference
    from months
    cross join departments
    inner join targets
        on targets.valid_from <= months.month_start
        and (
            targets.owner_list = '*'
            or {{ dbt.position(dbt.concat(["'|'", 'departments.department_name', "'|'"]), dbt.concat(["'|'", 'targets.owner_list', "'|'"])) }} > 0
        )
),

chosen as (
    select * from applicable where preference = 1
),

measured as (
    -- A department's own value, or the owners' combined value for a shared KPI.
    select
        chosen.month_start,
        chosen.department_id,
        chosen.department_name,
        chosen.kpi,
        chosen.is_shared,
        case when chosen.is_shared then chosen.owner_list else chosen.department_name end as owner_departments,
        chosen.target_value,
        chosen.direction,
        chosen.at_risk_margin,
        chosen.unit,
        case
            when chosen.is_shared
                then sum(values_.kpi_value * values_.observations) / nullif(sum(case when values_.kpi_value is not null then values_.observations end), 0)
            else max(case when values_.department_name = chosen.department_name then values_.kpi_value end)
        end as current_value,
        case
            when chosen.is_shared then sum(case when values_.kpi_value is not null then values_.observations end)
            else max(case when values_.department_name = chosen.department_name then values_.observations end)
        end as observations,
        -- A department's own people KPI withheld upstream (a shared KPI combines the published owners).
        coalesce({{ dbt.bool_or("case when not chosen.is_shared and values_.department_name = chosen.department_name
                          then values_.is_suppressed end") }}, false) as is_suppressed_upstream
    from chosen
    left join values_
        on values_.month_start = chosen.month_start
        and values_.kpi = chosen.kpi
        and (
            values_.department_name = chosen.department_name
            or (chosen.is_shared and {{ dbt.position(dbt.concat(["'|'", 'values_.department_name', "'|'"]), dbt.concat(["'|'", 'chosen.owner_list', "'|'"])) }} > 0)
        )
    group by chosen.month_start, chosen.department_id, chosen.department_name, chosen.kpi, chosen.is_shared,
        chosen.owner_list, chosen.target_value, chosen.direction, chosen.at_risk_margin, chosen.unit
),

with_kind as (
    select
        measured.*,
        {{ period_is_complete('measured.month_start', 'month') }} as is_complete,
        measured.kpi in ({% for kpi in people_kpis %}'{{ kpi }}'{% if not loop.last %}, {% endif %}{% endfor %}) as is_people_kpi
    from measured
),

suppressed as (
    select with_kind.*, is_suppressed_upstream or coalesce(is_people_kpi and observations < {{ k }}, false) as is_suppressed
    from with_kind
),

ranked as (
    select
        suppressed.*,
        case when current_value is not null and is_complete and not is_suppressed
             then row_number() over (
                partition by department_id, kpi, current_value is not null and is_complete and not is_suppressed
                order by month_start) end as data_month_number
    from suppressed
),

baselines as (
    select
        department_id,
        kpi,
        sum(current_value * coalesce(observations, 1)) / nullif(sum(coalesce(observations, 1)), 0) as baseline_value
    from ranked
    where data_month_number <= {{ baseline_months }}
    group by department_id, kpi
)

select
    cast(ranked.month_start as date) as month_start,
    ranked.is_complete,
    cast(ranked.department_id as {{ dbt.type_string() }}) as department_id,
    cast(ranked.department_name as {{ dbt.type_string() }}) as department_name,
    cast(ranked.kpi as {{ dbt.type_string() }}) as kpi,
    cast(ranked.unit as {{ dbt.type_string() }}) as kpi_unit,
    ranked.is_shared,
    cast(ranked.owner_departments as {{ dbt.type_string() }}) as owner_departments,
    -- A people KPI's baseline is shown beside a month whose group is known to be at least k only.
    cast(case when not ranked.is_suppressed and (not ranked.is_people_kpi or ranked.observations is not null)
              then baselines.baseline_value end as {{ type_double() }}) as baseline_value,
    cast({{ unless_suppressed('ranked.current_value', 'ranked.is_suppressed') }} as {{ type_double() }}) as current_value,
    cast(ranked.target_value as {{ type_double() }}) as target_value,
    cast(ranked.direction as {{ dbt.type_string() }}) as direction,
    -- A people KPI's observations are headcount (org structure); a withheld ticket KPI's are the
    -- tickets of fewer than k agents, withheld with it.
    cast(case when not ranked.is_suppressed or ranked.is_people_kpi then ranked.observations end as {{ dbt.type_bigint() }}) as observations,
    cast(case
        when ranked.is_suppressed then 'suppressed'
        when ranked.current_value is null then 'no_data'
        when not ranked.is_complete then 'incomplete'
        when ranked.direction = 'higher' and ranked.current_value >= ranked.target_value then 'on_track'
        when ranked.direction = 'lower' and ranked.current_value <= ranked.target_value then 'on_track'
        when ranked.direction = 'higher' and ranked.current_value >= ranked.target_value - ranked.at_risk_margin then 'at_risk'
        when ranked.direction = 'lower' and ranked.current_value <= ranked.target_value + ranked.at_risk_margin then 'at_risk'
        else 'off_track'
    end as {{ dbt.type_string() }}) as status,
    ranked.is_suppressed
from ranked
left join baselines on baselines.department_id = ranked.department_id and baselines.kpi = ranked.kpi
