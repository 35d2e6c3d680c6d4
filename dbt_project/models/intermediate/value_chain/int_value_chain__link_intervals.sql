-- Uncertainty of each link's difference-in-differences (docs/value_chain.md): a clustered Poisson
-- bootstrap. In every replicate each unit (person or ticket) counts weight times
-- (int_value_chain__bootstrap_weights); the four cells (target / comparison x baseline / current)
-- and the baseline halves are recomputed with those weights, giving one DiD, one relative DiD and
-- one placebo DiD (second baseline half against the first: the parallel-trend check) per replicate.
-- The interval is the percentile interval of the replicates at var('interval_level') (0.95).
-- Ratio metrics weigh numerator and denominator. A median cell is the median (percentile_cont 0.5)
-- of its units each repeated weight times (weights are 0..7), found without repeating them: each
-- cell's units are ranked by value once (the order is the same in every replicate) and cut into
-- blocks of `block_size` ranks; a replicate's weight per block says which block holds the median's
-- two positions, and only those blocks are walked unit by unit. The join of units and weights is
-- then aggregated, never sorted or repeated (200 replicates of 10,000 employees' tickets: ~70
-- million unit weights).
{% set block_size = 64 %}
{% set level = var('interval_level', 0.95) | float %}
{% set low_q = ((1 - level) / 2) | round(6) %}
{% set high_q = (1 - (1 - level) / 2) | round(6) %}

with links as (
    select initiative_id, change_activity_metric as metric from {{ ref('int_value_chain__initiative_windows') }}
    union select initiative_id, behaviour_metric from {{ ref('int_value_chain__initiative_windows') }}
    union select initiative_id, primary_benefit_metric from {{ ref('int_value_chain__initiative_windows') }}
    union select initiative_id, business_value_metric from {{ ref('int_value_chain__initiative_windows') }}
),

units as (
    -- The units of the metrics the initiatives link.
    select units.*
    from {{ ref('int_value_chain__link_units') }} as units
    inner join links on links.initiative_id = units.initiative_id and links.metric = units.metric
),

weights as (
    -- Weights of 0 are kept: they add nothing to a sum, and a filter on the weight would be pushed
    -- into the draws and hash each unit and replicate once for every branch of the Poisson step.
    select unit_id, replicate, weight
    from {{ ref('int_value_chain__bootstrap_weights') }}
),

ratio_cells as (
    select units.initiative_id, units.metric, units.group_name, units.window_name, weights.replicate,
        sum(weights.weight * units.numerator) / nullif(sum(weights.weight * units.denominator), 0) as cell_value
    from units
    inner join weights on weights.unit_id = units.unit_id
    where units.aggregation = 'ratio'
    group by units.initiative_id, units.metric, units.group_name, units.window_name, weights.replicate
),

median_units as (
    -- A median cell's units in value order: rank, and the block of ranks each falls in.
    select
        unit_id,
        unit_value,
        cell_id,
        value_rank,
        cast(floor((value_rank - 1) / {{ block_size }}.0) as {{ dbt.type_bigint() }}) as block_number
    from (
        select
            unit_id,
            unit_value,
            dense_rank() over (order by initiative_id, metric, group_name, window_name) as cell_id,
            row_number() over (partition by initiative_id, metric, group_name, window_name
                               order by unit_value, unit_id) as value_rank
        from units
        where aggregation = 'median'
    ) as ranked
),

median_cell_keys as (
    select distinct units.initiative_id, units.metric, units.group_name, units.window_name,
        dense_rank() over (order by units.initiative_id, units.metric, units.group_name, units.window_name) as cell_id
    from units
    where units.aggregation = 'median'
),

block_weights as (
    select median_units.cell_id, weights.replicate, median_units.block_number, sum(weights.weight) as block_weight
    from median_units
    inner join weights on weights.unit_id = median_units.unit_id
    group by median_units.cell_id, weights.replicate, median_units.block_number
),

block_spans as (
    -- Each block's positions in the replicate's repeated, sorted units (0-based): from weight_before
    -- to weight_before + block_weight - 1; percentile_cont(0.5) reads positions floor and ceil of
    -- (total - 1) / 2.
    select
        cell_id, replicate, block_number, block_weight,
        sum(block_weight) over (partition by cell_id, replicate order by block_number
                                rows between unbounded preceding and current row) - block_weight as weight_before,
        (sum(block_weight) over (partition by cell_id, replicate) - 1) / 2.0 as middle
    from block_weights
),

median_blocks as (
    select cell_id, replicate, block_number, weight_before, middle,
        floor(middle) as low_position, ceil(middle) as high_position
    from block_spans
    where weight_before <= ceil(middle) and weight_before + block_weight > floor(middle)
),

walked as (
    -- The units of the blocks holding the middle, with the position after each one's copies.
    select
        median_blocks.cell_id, median_blocks.replicate, median_blocks.middle,
        median_blocks.low_position, median_blocks.high_position,
        median_units.unit_value, weights.weight,
        median_blocks.weight_before + sum(weights.weight) over (
            partition by median_blocks.cell_id, median_blocks.replicate, median_blocks.block_number
            order by median_units.value_rank rows between unbounded preceding and current row) as weight_through
    from median_blocks
    inner join median_units
        on median_units.cell_id = median_blocks.cell_id and median_units.block_number = median_blocks.block_number
    inner join weights on weights.unit_id = median_units.unit_id and weights.replicate = median_blocks.replicate
),

median_values as (
    select cell_id, replicate, max(middle) as middle, max(low_position) as low_position,
        max(case when low_position >= weight_through - weight and low_position < weight_through then unit_value end) as low_value,
        max(case when high_position >= weight_through - weight and high_position < weight_through then unit_value end) as high_value
    from walked
    group by cell_id, replicate
),

cells as (
    select initiative_id, metric, group_name, window_name, replicate, cell_value from ratio_cells
    union all
    -- Interpolated as percentile_cont does: low + (high - low) * fraction.
    select keys.initiative_id, keys.metric, keys.group_name, keys.window_name, median_values.replicate,
        median_values.low_value + (median_values.high_value - median_values.low_value) * (median_values.middle - median_values.low_position)
    from median_values
    inner join median_cell_keys as keys on keys.cell_id = median_values.cell_id
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
