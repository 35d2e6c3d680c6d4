-- Usage segments per month, AI tool and department (docs/metrics.md#adoptionusage_segments_monthly): each person with a seat or any
-- activity in the 12 weeks up to the month's reference day, counted once in power (active in >= 9
-- of the 12 weeks and top-quartile intensity among the tool's users), habitual (>= 9 weeks),
-- occasional (1-8 weeks) or licensed but inactive. Privacy floor k on the people counted: below k
-- the row stays with every count NULL (no total over departments is published here).
-- Unresolved vendor identities have no department and are left out here (counted in tool_usage_daily).
-- Unknown is not zero: the segments read 12 weeks of usage, so a month whose 12 weeks up to the
-- reference day reach before the tool's usage history (int_adoption__tool_coverage) publishes no
-- activity figure (status insufficient_data, with the reason), as adoption.tool_usage_daily does.
-- Grain: month_start x tool x department_id.
{% set k = var('privacy_k') | int %}
{% set window_days = 84 %}

with people as (
    select * from {{ ref('int_adoption__person_tool_monthly') }}
    where department_name is not null
),

segments as (
    select
        month_start,
        max(reference_date) as reference_date,
        tool,
        department_name,
        count(*) as people,
        sum(case when has_seat then 1 else 0 end) as seat_holders,
        sum(case when active_weeks > 0 then 1 else 0 end) as active_people,
        sum(case when usage_segment = 'power' then 1 else 0 end) as power_users,
        sum(case when usage_segment = 'habitual' then 1 else 0 end) as habitual_users,
        sum(case when usage_segment = 'occasional' then 1 else 0 end) as occasional_users,
        sum(case when usage_segment = 'licensed_inactive' then 1 else 0 end) as licensed_inactive,
        1.0 * sum(case when usage_segment in ('power', 'habitual') then 1 else 0 end) / count(*) as habitual_or_power_share,
        count(*) < {{ k }} as is_suppressed
    from people
    group by month_start, tool, department_name
),

known as (
    -- Days of usage history known before the reference day (-1: the tool has none yet); the 12
    -- weeks are known from window_days - 1.
    select
        segments.*,
        coverage.history_from,
        coalesce({{ dbt.datediff('coverage.history_from', 'segments.reference_date', 'day') }}, -1) as known_days
    from segments
    left join {{ ref('int_adoption__tool_coverage') }} as coverage on coverage.tool = segments.tool
)

select
    cast(month_start as date) as month_start,
    {{ period_is_complete('month_start', 'month') }} as is_complete,
    cast(reference_date as date) as reference_date,
    cast(tool as {{ dbt.type_string() }}) as tool,
    cast({{ department_id('department_name') }} as {{ dbt.type_string() }}) as department_id,
    cast(department_name as {{ dbt.type_string() }}) as department_name,
    cast({{ unless_suppressed('people') }} as {{ dbt.type_bigint() }}) as people,
    cast({{ unless_suppressed('seat_holders') }} as {{ dbt.type_bigint() }}) as seat_holders,
    cast({{ if_known(unless_suppressed('active_people'), 'known_days', window_days - 1) }} as {{ dbt.type_bigint() }}) as active_people,
    cast({{ if_known(unless_suppressed('power_users'), 'known_days', window_days - 1) }} as {{ dbt.type_bigint() }}) as power_users,
    cast({{ if_known(unless_suppressed('habitual_users'), 'known_days', window_days - 1) }} as {{ dbt.type_bigint() }}) as habitual_users,
    cast({{ if_known(unless_suppressed('occasional_users'), 'known_days', window_days - 1) }} as {{ dbt.type_bigint() }}) as occasional_users,
    cast({{ if_known(unless_suppressed('licensed_inactive'), 'known_days', window_days - 1) }} as {{ dbt.type_bigint() }}) as licensed_inactive,
    cast({{ if_known(unless_suppressed('habitual_or_power_share'), 'known_days', window_days - 1) }} as {{ type_double() }}) as habitual_or_power_share,
    is_suppressed,
    cast(history_from as date) as usage_history_from,
    cast(case when known_days >= {{ window_days - 1 }} then 'ok' else 'insufficient_data' end as {{ dbt.type_string() }}) as status,
    cast({{ coverage_reason('history_from', 'known_days', window_days - 1) }} as {{ dbt.type_string() }}) as status_reason
from known
