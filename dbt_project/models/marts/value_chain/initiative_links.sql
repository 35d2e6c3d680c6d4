-- Value chain of every initiative (docs/metrics.md#value_chaininitiative_links): five links, each with the metric config/initiatives.csv
-- names, its baseline and current value for the target departments, delta = current - baseline,
-- delta_pct = 100 * delta / baseline, and a difference-in-differences estimate against the
-- departments not targeted: did_estimate = delta(target) - delta(comparison), did_estimate_pct =
-- delta_pct(target) - delta_pct(comparison), so a general trend is not credited to the initiative.
-- A link with fewer than var initiative_min_observations observations in any of the four cells
-- says insufficient_data and prints no number. The financial link converts the primary benefit's
-- DiD (minutes per ticket) into hours saved per month x hourly rate, minus the tools' licence cost.
{% set min_obs = var('initiative_min_observations', 20) %}

with windows as (
    select * from {{ ref('int_value_chain__initiative_windows') }}
),

links as (
    select initiative_id, 1 as link_order, 'change_activity' as link, change_activity_metric as metric from windows
    union all select initiative_id, 2, 'behaviour_change', behaviour_metric from windows
    union all select initiative_id, 3, 'primary_benefit', primary_benefit_metric from windows
    union all select initiative_id, 4, 'business_value', business_value_metric from windows
),

measurements as (
    select * from {{ ref('int_value_chain__link_measurements') }}
),

cells as (
    select
        links.initiative_id,
        links.link_order,
        links.link,
        links.metric,
        max(case when m.group_name = 'target' and m.window_name = 'baseline' then m.metric_value end) as baseline_value,
        max(case when m.group_name = 'target' and m.window_name = 'current' then m.metric_value end) as current_value,
        max(case when m.group_name = 'comparison' and m.window_name = 'baseline' then m.metric_value end) as comparison_baseline_value,
        max(case when m.group_name = 'comparison' and m.window_name = 'current' then m.metric_value end) as comparison_current_value,
        coalesce(max(case when m.group_name = 'target' and m.window_name = 'baseline' then m.observations end), 0) as baseline_observations,
        coalesce(max(case when m.group_name = 'target' and m.window_name = 'current' then m.observations end), 0) as current_observations,
        coalesce(min(case when m.group_name = 'comparison' then m.observations end), 0) as comparison_min_observations,
        count(case when m.group_name = 'comparison' then 1 end) as comparison_cells
    from links
    left join measurements as m
        on m.initiative_id = links.initiative_id and m.metric = links.metric
    group by links.initiative_id, links.link_order, links.link, links.metric
),

evaluated as (
    select
        cells.*,
        case
            when baseline_observations < {{ min_obs }} or current_observations < {{ min_obs }}
                or comparison_cells < 2 or comparison_min_observations < {{ min_obs }}
                or baseline_value is null or current_value is null
                or comparison_baseline_value is null or comparison_current_value is null
            then 'insufficient_data'
            else 'ok'
        end as status
    from cells
),

chain as (
    select
        initiative_id, link_order, link, metric, status, baseline_observations, current_observations,
        case when status = 'ok' then baseline_value end as baseline_value,
        case when status = 'ok' then current_value end as current_value,
        case when status = 'ok' then comparison_baseline_value end as comparison_baseline_value,
        case when status = 'ok' then comparison_current_value end as comparison_current_value,
        case when status = 'ok' then current_value - baseline_value end as delta,
        case when status = 'ok' and baseline_value <> 0
             then 100.0 * (current_value - baseline_value) / baseline_value end as delta_pct,
        case when status = 'ok' and comparison_baseline_value <> 0
             then 100.0 * (comparison_current_value - comparison_baseline_value) / comparison_baseline_value end as comparison_delta_pct,
        case when status = 'ok'
             then (current_value - baseline_value) - (comparison_current_value - comparison_baseline_value) end as did_estimate
    from evaluated
),

with_did_pct as (
    select
        chain.*,
        delta_pct - comparison_delta_pct as did_estimate_pct
    from chain
),

financial_inputs as (
    select
        windows.initiative_id,
        windows.hourly_rate_eur,
        windows.financial_metric,
        primary_link.status as primary_status,
        primary_link.metric as primary_metric,
        primary_link.did_estimate as primary_did_minutes,
        max(case when m.metric = 'tickets_per_30_days' and m.group_name = 'target' and m.window_name = 'current' then m.metric_value end) as tickets_per_month,
        max(case when m.metric = 'tickets_per_30_days' and m.group_name = 'target' and m.window_name = 'current' then m.observations end) as ticket_observations,
        max(case when m.metric = 'licence_cost_per_month' and m.group_name = 'target' and m.window_name = 'baseline' then m.metric_value end) as baseline_licence_cost,
        max(case when m.metric = 'licence_cost_per_month' and m.group_name = 'target' and m.window_name = 'current' then m.metric_value end) as current_licence_cost
    from windows
    left join with_did_pct as primary_link
        on primary_link.initiative_id = windows.initiative_id and primary_link.link = 'primary_benefit'
    left join measurements as m on m.initiative_id = windows.initiative_id
    group by windows.initiative_id, windows.hourly_rate_eur, windows.financial_metric, primary_link.status,
        primary_link.metric, primary_link.did_estimate
),

financial as (
    -- Hours saved per month = minutes saved per ticket beyond the general trend (the primary
    -- benefit's DiD, a time metric) x tickets per month / 60. Before the initiative nothing is saved.
    select
        initiative_id,
        5 as link_order,
        'financial_impact' as link,
        financial_metric as metric,
        case when primary_status = 'ok' and primary_metric like '%minutes' and financial_metric = 'net_monthly_value_eur'
             then 'ok' else 'insufficient_data' end as status,
        ticket_observations as current_observations,
        0.0 - baseline_licence_cost as baseline_value,
        -primary_did_minutes * tickets_per_month / 60.0 * hourly_rate_eur - current_licence_cost as current_value
    from financial_inputs
),

all_links as (
    select
        initiative_id, link_order, link, metric, status, baseline_observations, current_observations,
        baseline_value, current_value, delta, delta_pct, comparison_baseline_value, comparison_current_value,
        comparison_delta_pct, did_estimate, did_estimate_pct
    from with_did_pct
    union all
    select
        initiative_id, link_order, link, metric, status,
        cast(null as {{ dbt.type_bigint() }}), current_observations,
        case when status = 'ok' then baseline_value end,
        case when status = 'ok' then current_value end,
        case when status = 'ok' then current_value - baseline_value end,
        case when status = 'ok' and baseline_value <> 0 then 100.0 * (current_value - baseline_value) / abs(baseline_value) end,
        -- Built on the primary benefit's DiD already: no separate comparison group.
        null, null, null, null, null
    from financial
)

select
    cast(all_links.initiative_id as {{ dbt.type_string() }}) as initiative_id,
    cast(windows.initiative_name as {{ dbt.type_string() }}) as initiative_name,
    cast(all_links.link_order as {{ dbt.type_int() }}) as link_order,
    cast(all_links.link as {{ dbt.type_string() }}) as link,
    cast(all_links.metric as {{ dbt.type_string() }}) as metric,
    cast(case
        when all_links.metric like '%minutes' then 'minutes'
        when all_links.metric like '%eur' then 'EUR per month'
        else 'share (0-1)'
    end as {{ dbt.type_string() }}) as unit,
    cast(windows.target_departments as {{ dbt.type_string() }}) as target_departments,
    cast(windows.baseline_start as date) as baseline_start,
    cast(windows.baseline_end as date) as baseline_end,
    cast(windows.current_start as date) as current_start,
    cast(windows.current_end as date) as current_end,
    cast(all_links.baseline_value as {{ type_double() }}) as baseline_value,
    cast(all_links.current_value as {{ type_double() }}) as current_value,
    cast(all_links.delta as {{ type_double() }}) as delta,
    cast(all_links.delta_pct as {{ type_double() }}) as delta_pct,
    cast(all_links.comparison_baseline_value as {{ type_double() }}) as comparison_baseline_value,
    cast(all_links.comparison_current_value as {{ type_double() }}) as comparison_current_value,
    cast(all_links.comparison_delta_pct as {{ type_double() }}) as comparison_delta_pct,
    cast(all_links.did_estimate as {{ type_double() }}) as did_estimate,
    cast(all_links.did_estimate_pct as {{ type_double() }}) as did_estimate_pct,
    cast(all_links.baseline_observations as {{ dbt.type_bigint() }}) as baseline_observations,
    cast(all_links.current_observations as {{ dbt.type_bigint() }}) as current_observations,
    cast(all_links.status as {{ dbt.type_string() }}) as status,
    all_links.status = 'insufficient_data' as insufficient_data
from all_links
inner join windows on windows.initiative_id = all_links.initiative_id
