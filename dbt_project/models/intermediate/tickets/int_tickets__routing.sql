-- depends_on: {{ ref('int_tickets__source_loads') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail'
) }}
-- One row per ticket: where it started, how many times its department changed, whether it
-- ping-ponged (docs/metrics.md: >= 3 responsible-department changes, or a return to a department it had
-- left), and its miscommunication labels. Grain ticket_id. Incremental: a run rebuilds the tickets
-- that received source rows since its last run.
with first_state as (
    select ticket_id, department_name as origin_department
    from (
        select ticket_id, department_name, row_number() over (partition by ticket_id order by valid_from) as state_rank
        from {{ ref('int_tickets__state_history') }}
        where department_name is not null and {{ changed_tickets_filter('ticket_id') }}
    ) as ranked
    where state_rank = 1
),

handoffs as (
    select
        ticket_id,
        count(*) as handoff_count,
        max(case when is_return then 1 else 0 end) as has_return
    from {{ ref('int_tickets__handoffs') }}
    where {{ changed_tickets_filter('ticket_id') }}
    group by ticket_id
),

tickets as (
    select * from {{ ref('int_tickets__tickets') }}
    where {{ changed_tickets_filter('ticket_id') }}
)

select
    tickets.ticket_system,
    tickets.ticket_id,
    tickets.created_at,
    cast({{ dbt.date_trunc('week', 'tickets.created_at') }} as date) as created_week,
    tickets.resolved_at,
    cast({{ dbt.date_trunc('week', 'tickets.resolved_at') }} as date) as resolved_week,
    first_state.origin_department,
    coalesce(handoffs.handoff_count, 0) as handoff_count,
    coalesce(handoffs.handoff_count, 0) >= 3 or coalesce(handoffs.has_return, 0) = 1 as is_pingpong,
    -- Labels/tags are JSON lists of strings: match the quoted label, not a substring of another.
    coalesce((
        {%- for label in var('miscommunication_labels', ['miscommunication', 'internal-handoff']) %}
        {{ 'or ' if not loop.first }}tickets.labels_text like '%"{{ label }}"%'
        {%- endfor %}
    ), false) as is_miscommunication,
    tickets.source_loaded_at
from tickets
left join first_state on first_state.ticket_id = tickets.ticket_id
left join handoffs on handoffs.ticket_id = tickets.ticket_id
