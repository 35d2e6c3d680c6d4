-- Zendesk ticket outcomes per month, department and AI assistance (docs/metrics.md#value_chainticket_outcomes_monthly).
-- Tickets belong to the month they were created in and to the department of their first group.
-- first reply and resolution: medians in calendar minutes (resolution over solved tickets), and in
-- business minutes of the schedule the ticket's first group follows (config/calendars.yml);
-- reopen rate = reopened / solved; CSAT = good / rated. The figures describe how the agents who
-- handle the cell's tickets work (a department of one or two agents is those people), so the
-- privacy floor k applies to the agents: the distinct agents the cell's tickets were first assigned
-- to (in their first group; the current assignee when Zendesk logged no assignment). Below k the
-- row stays with every figure and the agent count NULL (is_suppressed).
{% set k = var('privacy_k') | int %}
with tickets as (
    select *
    from {{ ref('int_value_chain__zendesk_tickets') }}
    where department_name is not null
),

cells as (
select
    cast({{ dbt.date_trunc('month', 'created_on') }} as date) as month_start,
    {{ period_is_complete(dbt.date_trunc('month', 'created_on'), 'month') }} as is_complete,
    cast({{ department_id('department_name') }} as {{ dbt.type_string() }}) as department_id,
    cast(department_name as {{ dbt.type_string() }}) as department_name,
    is_ai_assisted as ai_assisted,
    count(distinct first_assignee_key) as agents,
    cast(count(*) as {{ dbt.type_bigint() }}) as tickets_created,
    cast(sum(case when is_solved then 1 else 0 end) as {{ dbt.type_bigint() }}) as tickets_solved,
    cast(count(first_reply_minutes) as {{ dbt.type_bigint() }}) as tickets_replied,
    cast({{ median('first_reply_minutes') }} as {{ type_double() }}) as median_first_reply_minutes,
    cast({{ median('full_resolution_minutes') }} as {{ type_double() }}) as median_resolution_minutes,
    cast({{ median('first_reply_business_minutes') }} as {{ type_double() }}) as median_first_reply_business_minutes,
    cast({{ median('full_resolution_business_minutes') }} as {{ type_double() }}) as median_resolution_business_minutes,
    cast(case when sum(case when is_solved then 1 else 0 end) > 0
              then 1.0 * sum(case when is_solved and is_reopened then 1 else 0 end) / sum(case when is_solved then 1 else 0 end)
         end as {{ type_double() }}) as reopen_rate,
    cast(sum(case when is_rated then 1 else 0 end) as {{ dbt.type_bigint() }}) as tickets_rated,
    cast(case when sum(case when is_rated then 1 else 0 end) > 0
              then 1.0 * sum(case when is_rated_good then 1 else 0 end) / sum(case when is_rated then 1 else 0 end)
         end as {{ type_double() }}) as csat_good_share
from tickets
group by 1, 2, 3, 4, 5
)

select
    month_start,
    is_complete,
    department_id,
    department_name,
    ai_assisted,
    cast({{ unless_suppressed('agents', 'agents < ' ~ k) }} as {{ dbt.type_bigint() }}) as agents,
{%- for column in ['tickets_created', 'tickets_solved', 'tickets_replied', 'median_first_reply_minutes',
                   'median_resolution_minutes', 'median_first_reply_business_minutes',
                   'median_resolution_business_minutes', 'reopen_rate', 'tickets_rated', 'csat_good_share'] %}
    {{ unless_suppressed(column, 'agents < ' ~ k) }} as {{ column }},
{%- endfor %}
    agents < {{ k }} as is_suppressed
from cells
