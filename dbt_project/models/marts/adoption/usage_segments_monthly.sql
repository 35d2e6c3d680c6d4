-- Usage segments per month, AI tool and department (docs/metrics.md#adoptionusage_segments_monthly): each person with a seat or any
-- activity in the 12 weeks up to the month's reference day, counted once in power (active in >= 9
-- of the 12 weeks and top-quartile intensity among the tool's users), habitual (>= 9 weeks),
-- occasional (1-8 weeks) or licensed but inactive. Privacy floor k on the people counted: below k
-- the row stays with every count NULL (no total over departments is published here).
-- Unresolved vendor identities have no department and are left out here (counted in tool_usage_daily).
-- Grain: month_start x tool x department_id.
{% set k = var('privacy_k') | int %}

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
    cast({{ unless_suppressed('active_people') }} as {{ dbt.type_bigint() }}) as active_people,
    cast({{ unless_suppressed('power_users') }} as {{ dbt.type_bigint() }}) as power_users,
    cast({{ unless_suppressed('habitual_users') }} as {{ dbt.type_bigint() }}) as habitual_users,
    cast({{ unless_suppressed('occasional_users') }} as {{ dbt.type_bigint() }}) as occasional_users,
    cast({{ unless_suppressed('licensed_inactive') }} as {{ dbt.type_bigint() }}) as licensed_inactive,
    cast({{ unless_suppressed('habitual_or_power_share') }} as {{ type_double() }}) as habitual_or_power_share,
    is_suppressed
from segments
