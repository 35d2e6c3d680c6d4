{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_week',
    on_schema_change='fail'
) }}
-- Collaboration ties (docs/metrics.md, E-I index): two people who acted on the same ticket in the same
-- ISO week (assignee, commenter, reporter, changer), counted once per pair and week however many
-- tickets they shared. Grain activity_week x person_key_a x person_key_b (person_key_a < person_key_b).
-- Each person's department is the one of their last action that week. An incremental run
-- recomputes whole weeks that received new activity.
with activity as (
    select
        ticket_id,
        person_key,
        department_name,
        acted_at,
        cast({{ dbt.date_trunc('week', 'acted_at') }} as date) as activity_week,
        source_loaded_at
    from {{ ref('int_tickets__activity') }}
    where person_key is not null and department_name is not null
),

weeks_in_scope as (
    select distinct activity_week
    from activity
    {% if is_incremental() -%}
    where source_loaded_at >= {{ tickets_changed_since() }}
    {%- endif %}
),

scoped as (
    select activity.*
    from activity
    inner join weeks_in_scope on weeks_in_scope.activity_week = activity.activity_week
),

person_week as (
    select activity_week, person_key, department_name
    from (
        select
            *,
            row_number() over (partition by activity_week, person_key order by acted_at desc, department_name) as action_rank
        from scoped
    ) as ranked
    where action_rank = 1
),

ticket_people as (
    select distinct activity_week, ticket_id, person_key from scoped
),

pairs as (
    select
        a.activity_week,
        a.person_key as person_key_a,
        b.person_key as person_key_b,
        count(distinct a.ticket_id) as shared_tickets
    from ticket_people as a
    inner join ticket_people as b
        on b.activity_week = a.activity_week and b.ticket_id = a.ticket_id and a.person_key < b.person_key
    group by a.activity_week, a.person_key, b.person_key
),

loads as (
    select activity_week, max(source_loaded_at) as source_loaded_at from scoped group by activity_week
)

select
    pairs.activity_week,
    pairs.person_key_a,
    pairs.person_key_b,
    dept_a.department_name as department_a,
    dept_b.department_name as department_b,
    dept_a.department_name <> dept_b.department_name as is_cross_department,
    pairs.shared_tickets,
    loads.source_loaded_at
from pairs
inner join person_week as dept_a
    on dept_a.activity_week = pairs.activity_week and dept_a.person_key = pairs.person_key_a
inner join person_week as dept_b
    on dept_b.activity_week = pairs.activity_week and dept_b.person_key = pairs.person_key_b
inner join loads on loads.activity_week = pairs.activity_week
