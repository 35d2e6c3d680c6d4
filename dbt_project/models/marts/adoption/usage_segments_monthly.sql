-- Usage segments per month, AI tool and department (METRICS.md §2): each person with a seat or any
-- activity in the 12 weeks up to the month's reference day, counted once in power (active in >= 9
-- of the 12 weeks and top-quartile intensity among the tool's users), habitual (>= 9 weeks),
-- occasional (1-8 weeks) or licensed but inactive. Department level: counts are not suppressed.
-- Unresolved vendor identities have no department and are left out here (counted in tool_usage_daily).
-- Grain: month_start x tool x department_id.
with people as (
    select * from {{ ref('int_adoption__person_tool_monthly') }}
    where department_name is not null
)

select
    cast(month_start as date) as month_start,
    cast(max(reference_date) as date) as reference_date,
    cast(tool as {{ dbt.type_string() }}) as tool,
    cast({{ department_id('department_name') }} as {{ dbt.type_string() }}) as department_id,
    cast(department_name as {{ dbt.type_string() }}) as department_name,
    cast(sum(case when has_seat then 1 else 0 end) as {{ dbt.type_bigint() }}) as seat_holders,
    cast(sum(case when active_weeks > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_people,
    cast(sum(case when usage_segment = 'power' then 1 else 0 end) as {{ dbt.type_bigint() }}) as power_users,
    cast(sum(case when usage_segment = 'habitual' then 1 else 0 end) as {{ dbt.type_bigint() }}) as habitual_users,
    cast(sum(case when usage_segment = 'occasional' then 1 else 0 end) as {{ dbt.type_bigint() }}) as occasional_users,
    cast(sum(case when usage_segment = 'licensed_inactive' then 1 else 0 end) as {{ dbt.type_bigint() }}) as licensed_inactive,
    cast(case when count(*) > 0
        then 1.0 * sum(case when usage_segment in ('power', 'habitual') then 1 else 0 end) / count(*)
    end as {{ type_double() }}) as habitual_or_power_share
from people
group by month_start, tool, department_name
