-- Each initiative of config/initiatives.yml (seed initiatives) with its measurement windows:
-- baseline = the baseline_days before the start; current = the same number of days up to the last
-- reported day, but never before the ramp-up is over (start + ramp_days). Same definitions in both.
-- pre_split halves the baseline for the parallel-trend check (a placebo DiD of its second half
-- against its first).
with initiatives as (
    select
        initiative_id,
        initiative_name,
        target_departments,
        coalesce(comparison_departments, '') as comparison_departments,
        tools,
        cast(start_date as date) as start_date,
        cast(baseline_days as {{ dbt.type_int() }}) as baseline_days,
        cast(ramp_days as {{ dbt.type_int() }}) as ramp_days,
        cast(hourly_rate_eur as {{ type_double() }}) as hourly_rate_eur,
        change_activity_metric,
        behaviour_metric,
        primary_benefit_metric,
        business_value_metric,
        financial_metric
    from {{ ref('initiatives') }}
),

measured_until as (
    select coalesce(
        (select as_of_date from {{ ref('int_adoption__as_of') }}),
        (select max(created_on) from {{ ref('int_value_chain__zendesk_tickets') }})
    ) as end_date
)

select
    initiatives.*,
    cast({{ dbt.dateadd('day', '-initiatives.baseline_days', 'initiatives.start_date') }} as date) as baseline_start,
    cast({{ dbt.dateadd('day', -1, 'initiatives.start_date') }} as date) as baseline_end,
    cast({{ dbt.dateadd('day', 'cast(floor(initiatives.baseline_days / 2.0) as ' ~ dbt.type_int() ~ ') - initiatives.baseline_days', 'initiatives.start_date') }} as date) as pre_split,
    cast(greatest(
        {{ dbt.dateadd('day', '1 - initiatives.baseline_days', 'measured_until.end_date') }},
        {{ dbt.dateadd('day', 'initiatives.ramp_days', 'initiatives.start_date') }}
    ) as date) as current_start,
    cast(measured_until.end_date as date) as current_end
from initiatives
cross join measured_until
