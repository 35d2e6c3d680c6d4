-- Value chain of every initiative (docs/metrics.md#value_chaininitiative_links; method and
-- assumptions in docs/value_chain.md): five links, each with the metric
-- config/initiatives.yml names, its baseline and current value for the target departments,
-- delta = current - baseline, delta_pct = 100 * delta / baseline, and a difference-in-differences
-- estimate against the comparison departments: did_estimate = delta(target) - delta(comparison),
-- did_estimate_pct = delta_pct(target) - delta_pct(comparison), so a general trend is not credited
-- to the initiative. Each DiD carries its bootstrap interval and a parallel-trend check (placebo DiD
-- of the baseline's second half against its first), summed up in an evidence label.
-- A link says insufficient_data, with the reason, and prints no number when: no metric is
-- configured; a usage metric's window starts before its tools' usage history is known (unknown is
-- not zero); or a cell has fewer than var initiative_min_observations observations. The financial
-- link converts the primary benefit's DiD (minutes per ticket) into hours saved per month x hourly
-- rate, minus the tools' licence cost.
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

tool_history as (
    -- The first day from which every tool of the initiative has known usage history; null when
    -- some tool has none yet.
    select
        windows.initiative_id,
        case when count(coverage.tool) = {{ dbt.length('max(windows.tools)') }} - {{ dbt.length(dbt.replace('max(windows.tools)', "'|'", "''")) }} + 1
             then max(coverage.history_from) end as history_from
    from windows
    left join {{ ref('int_adoption__tool_coverage') }} as coverage
        on {{ dbt.position(dbt.concat(["'|'", 'coverage.tool', "'|'"]), dbt.concat(["'|'", 'windows.tools', "'|'"])) }} > 0
    group by windows.initiative_id
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
        coalesce(min(case when m.group_name = 'comparison' and m.window_name in ('baseline', 'current') then m.observations end), 0) as comparison_min_observations,
        count(case when m.group_name = 'comparison' and m.window_name in ('baseline', 'current') then 1 end) as comparison_cells,
        max(case when m.group_name = 'target' and m.window_name = 'pre_early' then m.metric_value end) as target_pre_early,
        max(case when m.group_name = 'target' and m.window_name = 'pre_late' then m.metric_value end) as target_pre_late,
        max(case when m.group_name = 'comparison' and m.window_name = 'pre_early' then m.metric_value end) as comparison_pre_early,
        max(case when m.group_name = 'comparison' and m.window_name = 'pre_late' then m.metric_value end) as comparison_pre_late
    from links
    left join measurements as m
        on m.initiative_id = links.initiative_id and m.metric = links.metric
    group by links.initiative_id, links.link_order, links.link, links.metric
),

evaluated as (
    select
        cells.*,
        case
            when cells.metric is null or cells.metric = '' then 'no metric configured for this link'
            when cells.metric = 'wau_share' and tool_history.history_from is null
                then {{ dbt.concat(["'no usage history of '", 'windows.tools', "' yet'"]) }}
            when cells.metric = 'wau_share' and windows.baseline_start < tool_history.history_from
                then {{ dbt.concat(["'no usage history before '", dbt.safe_cast('tool_history.history_from', api.Column.translate_type('string'))]) }}
            when baseline_observations < {{ min_obs }} or current_observations < {{ min_obs }}
                or comparison_cells < 2 or comparison_min_observations < {{ min_obs }}
                then 'fewer than {{ min_obs }} observations in a group and window'
            when baseline_value is null or current_value is null
                or comparison_baseline_value is null or comparison_current_value is null
                then 'a group has no value in a window'
        end as status_reason
    from cells
    inner join windows on windows.initiative_id = cells.initiative_id
    left join tool_history on tool_history.initiative_id = cells.initiative_id
),

chain as (
    select
        evaluated.initiative_id, link_order, link, evaluated.metric,
        case when status_reason is null then 'ok' else 'insufficient_data' end as status,
        status_reason, baseline_observations, current_observations,
        case when status_reason is null then baseline_value end as baseline_value,
        case when status_reason is null then current_value end as current_value,
        case when status_reason is null then comparison_baseline_value end as comparison_baseline_value,
        case when status_reason is null then comparison_current_value end as comparison_current_value,
        case when status_reason is null then current_value - baseline_value end as delta,
        case when status_reason is null and baseline_value <> 0
             then 100.0 * (current_value - baseline_value) / baseline_value end as delta_pct,
        case when status_reason is null and comparison_baseline_value <> 0
             then 100.0 * (comparison_current_value - comparison_baseline_value) / comparison_baseline_value end as comparison_delta_pct,
        case when status_reason is null
             then (current_value - baseline_value) - (comparison_current_value - comparison_baseline_value) end as did_estimate,
        case when status_reason is null
             then (target_pre_late - target_pre_early) - (comparison_pre_late - comparison_pre_early) end as pretrend_did,
        case when status_reason is null then intervals.ci_level end as ci_level,
        case when status_reason is null then intervals.did_ci_low end as did_ci_low,
        case when status_reason is null then intervals.did_ci_high end as did_ci_high,
        case when status_reason is null then intervals.did_pct_ci_low end as did_pct_ci_low,
        case when status_reason is null then intervals.did_pct_ci_high end as did_pct_ci_high,
        case when status_reason is null then intervals.pretrend_ci_low end as pretrend_ci_low,
        case when status_reason is null then intervals.pretrend_ci_high end as pretrend_ci_high
    from evaluated
    left join {{ ref('int_value_chain__link_intervals') }} as intervals
        on intervals.initiative_id = evaluated.initiative_id and intervals.metric = evaluated.metric
),

with_did_pct as (
    select
        chain.*,
        delta_pct - comparison_delta_pct as did_estimate_pct,
        -- What a manager can read: an interval (or a pre-trend) that excludes zero is evidence.
        case
            when status <> 'ok' then 'insufficient data'
            when did_ci_low is null or pretrend_ci_low is null then 'insufficient data'
            -- Diverged: a drift before the start that is detectable (interval excludes 0) and large
            -- next to the effect (at least half of it); a tiny detectable drift beside a large
            -- effect does not overturn it.
            when (pretrend_ci_low > 0 or pretrend_ci_high < 0)
                and abs(pretrend_did) >= 0.5 * abs(did_estimate) then 'not comparable: groups diverged before'
            when did_ci_low > 0 or did_ci_high < 0 then 'clear effect'
            else 'no clear effect'
        end as evidence
    from chain
),

financial_inputs as (
    select
        windows.initiative_id,
        windows.hourly_rate_eur,
        windows.financial_metric,
        primary_link.status as primary_status,
        primary_link.evidence as primary_evidence,
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
        primary_link.evidence, primary_link.metric, primary_link.did_estimate
),

financial as (
    -- Hours saved per month = minutes saved per ticket beyond the general trend (the primary
    -- benefit's DiD, a time metric) x tickets per month / 60. Before the initiative nothing is saved.
    -- Its evidence is the primary benefit's: the money is that DiD converted.
    select
        initiative_id,
        5 as link_order,
        'financial_impact' as link,
        financial_metric as metric,
        case
            when financial_metric is null or financial_metric = '' then 'no metric configured for this link'
            when primary_metric is null or primary_metric not like '%minutes'
                then 'needs a primary benefit in minutes of work per ticket'
            when primary_status <> 'ok' then 'the primary benefit has insufficient data'
        end as status_reason,
        primary_evidence,
        ticket_observations as current_observations,
        0.0 - baseline_licence_cost as baseline_value,
        -primary_did_minutes * tickets_per_month / 60.0 * hourly_rate_eur - current_licence_cost as current_value
    from financial_inputs
),

all_links as (
    select
        initiative_id, link_order, link, metric, status, status_reason, baseline_observations, current_observations,
        baseline_value, current_value, delta, delta_pct, comparison_baseline_value, comparison_current_value,
        comparison_delta_pct, did_estimate, did_estimate_pct, ci_level, did_ci_low, did_ci_high,
        did_pct_ci_low, did_pct_ci_high, pretrend_did, pretrend_ci_low, pretrend_ci_high, evidence
    from with_did_pct
    union all
    select
        initiative_id, link_order, link, metric,
        case when status_reason is null then 'ok' else 'insufficient_data' end,
        status_reason,
        cast(null as {{ dbt.type_bigint() }}), current_observations,
        case when status_reason is null then baseline_value end,
        case when status_reason is null then current_value end,
        case when status_reason is null then current_value - baseline_value end,
        case when status_reason is null and baseline_value <> 0 then 100.0 * (current_value - baseline_value) / abs(baseline_value) end,
        -- Built on the primary benefit's DiD already: no separate comparison group.
        null, null, null, null, null, null, null, null, null, null, null, null, null,
        case when status_reason is null then primary_evidence else 'insufficient data' end
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
        when all_links.metric like '%hours' then 'hours'
        when all_links.metric like '%eur' then 'EUR per month'
        else 'share (0-1)'
    end as {{ dbt.type_string() }}) as unit,
    cast(windows.target_departments as {{ dbt.type_string() }}) as target_departments,
    cast(windows.comparison_departments as {{ dbt.type_string() }}) as comparison_departments,
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
    cast(all_links.ci_level as {{ type_double() }}) as ci_level,
    cast(all_links.did_ci_low as {{ type_double() }}) as did_ci_low,
    cast(all_links.did_ci_high as {{ type_double() }}) as did_ci_high,
    cast(all_links.did_pct_ci_low as {{ type_double() }}) as did_pct_ci_low,
    cast(all_links.did_pct_ci_high as {{ type_double() }}) as did_pct_ci_high,
    cast(all_links.pretrend_did as {{ type_double() }}) as pretrend_did,
    cast(all_links.pretrend_ci_low as {{ type_double() }}) as pretrend_ci_low,
    cast(all_links.pretrend_ci_high as {{ type_double() }}) as pretrend_ci_high,
    cast(all_links.evidence as {{ dbt.type_string() }}) as evidence,
    cast(all_links.baseline_observations as {{ dbt.type_bigint() }}) as baseline_observations,
    cast(all_links.current_observations as {{ dbt.type_bigint() }}) as current_observations,
    cast(all_links.status as {{ dbt.type_string() }}) as status,
    cast(all_links.status_reason as {{ dbt.type_string() }}) as status_reason,
    all_links.status = 'insufficient_data' as insufficient_data
from all_links
inner join windows on windows.initiative_id = all_links.initiative_id
