-- Uncertainty of each link's difference-in-differences (docs/value_chain.md): a clustered Poisson
-- bootstrap. In every replicate each unit (person or ticket) counts weight times
-- (int_value_chain__bootstrap_weights); the four cells (target / comparison x baseline / current)
-- and the baseline halves are recomputed with those weights, giving one DiD, one relative DiD and
-- one placebo DiD (second baseline half against the first: the parallel-trend check) per replicate.
-- The interval is the percentile interval of the replicates at var('interval_level') (0.95).
-- Ratio metrics weigh numerator and denominator; medians repeat each unit weight times (weights
-- are 0..7), so the weighted median is an ordinary median.
{% set level = var('interval_level', 0.95) | float %}
{% set low_q = ((1 - level) / 2) | round(6) %}
{% set high_q = (1 - (1 - level) / 2) | round(6) %}

with links as (
    select initiative_id, change_activity_metric as metric from {{ ref('int_value_chain__initiative_windows') }}
    union select initiative_id, behaviour_metric from {{ ref('int_value_chain__initiative_windows') }}
    union select initiative_id, primary_benefit_metric from {{ ref('int_value_chain__initiative_windows') }}
    union select initiative_id, business_value_metric from {{ ref('int_value_chain__initiative_windows') }}
),

weighted as (
    select units.*, weights.replicate, weights.weight
    from {{ ref('int_value_chain__link_units') }} as units
    inner join links on links.initiative_id = units.initiative_id and links.metric = units.metric
    inner join {{ ref('int_value_chain__bootstrap_weights') }} as weights on weights.unit_id = units.unit_id
    where weights.weight > 0
),

copies as (
    select generated_number as copy_number from ({{ dbt.generate_series(7) }}) as series
),

cells as (
    select initiative_id, metric, group_name, window_name, replicate,
        sum(weight * numerator) / nullif(sum(weight * denominator), 0) as cell_value
    from weighted
    where aggregation = 'ratio'
    group by initiative_id, metric, group_name, window_name, replicate
    union all
    select weighted.initiative_id, weighted.metric, weighted.group_name, weighted.window_name, weighted.replicate,
        {{ median('weighted.unit_value') }}
    from weighted
    inner join copies on copies.copy_number <= weighted.weight
    where weighted.aggregation = 'median'
    group by weighted.initiative_id, weighted.metric, weighted.group_name, weighted.window_name, weighted.replicate
),

pivoted as (
    select initiative_id, metric, replicate,
        max(case when group_name = 'target' and window_name = 'baseline' then cell_value end) as target_baseline,
        max(case when group_name = 'target' and window_name = 'current' then cell_value end) as target_current,
        max(case when group_name = 'comparison' and window_name = 'baseline' then cell_value end) as comparison_baseline,
        max(case when group_name = 'comparison' and window_name = 'current' then cell_value end) as comparison_current,
        max(case when group_name = 'target' and window_name = 'pre_early' then cell_value end) as target_pre_early,
        max(case when group_name = 'target' and window_name = 'pre_late' then cell_value end) as target_pre_late,
        max(case when group_name = 'comparison' and window_name = 'pre_early' then cell_value end) as comparison_pre_early,
        max(case when group_name = 'comparison' and window_name = 'pre_late' then cell_value end) as comparison_pre_late
    from cells
    group by initiative_id, metric, replicate
),

replicate_estimates as (
    select initiative_id, metric, replicate,
        (target_current - target_baseline) - (comparison_current - comparison_baseline) as did,
        case when target_baseline <> 0 and comparison_baseline <> 0
             then 100.0 * (target_current - target_baseline) / target_baseline
                - 100.0 * (comparison_current - comparison_baseline) / comparison_baseline end as did_pct,
        (target_pre_late - target_pre_early) - (comparison_pre_late - comparison_pre_early) as pretrend_did
    from pivoted
)

select
    initiative_id,
    metric,
    cast({{ level }} as {{ type_double() }}) as ci_level,
    cast(count(did) as {{ dbt.type_bigint() }}) as replicates,
    cast({{ percentile('did', low_q) }} as {{ type_double() }}) as did_ci_low,
    cast({{ percentile('did', high_q) }} as {{ type_double() }}) as did_ci_high,
    cast({{ percentile('did_pct', low_q) }} as {{ type_double() }}) as did_pct_ci_low,
    cast({{ percentile('did_pct', high_q) }} as {{ type_double() }}) as did_pct_ci_high,
    cast({{ percentile('pretrend_did', low_q) }} as {{ type_double() }}) as pretrend_ci_low,
    cast({{ percentile('pretrend_did', high_q) }} as {{ type_double() }}) as pretrend_ci_high
from replicate_estimates
group by initiative_id, metric
