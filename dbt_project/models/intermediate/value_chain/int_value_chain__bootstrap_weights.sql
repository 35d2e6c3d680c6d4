{{ config(materialized='ephemeral') }}
-- Poisson bootstrap weights (docs/value_chain.md): per unit (person or ticket) and replicate
-- 1..var('bootstrap_replicates'), a Poisson(1) draw from a hash of (var('bootstrap_seed'), replicate,
-- unit id). One weight per unit and replicate across every metric and window, so a person resampled
-- in the baseline is resampled in the current window too (the clustered unit). Ephemeral: inlined
-- into the interval model, never stored.
{% set replicates = var('bootstrap_replicates', 200) | int %}
{% set seed = var('bootstrap_seed', 15) | int %}

with units as (
    select distinct unit_id from {{ ref('int_value_chain__link_units') }}
),

replicates as (
    select generated_number as replicate from ({{ dbt.generate_series(replicates) }}) as series
),

draws as (
    select
        units.unit_id,
        replicates.replicate,
        {{ hash_uniform(dbt.concat(["'" ~ seed ~ ":'", dbt.safe_cast('replicates.replicate', api.Column.translate_type('string')), "':'", 'units.unit_id'])) }} as uniform
    from units
    cross join replicates
)

select unit_id, replicate, {{ poisson_one_weight('uniform') }} as weight
from draws
