{#- Privacy floor with complementary suppression (docs/metrics.md, "The privacy rule").

    `relation` has one row per part (e.g. department) and one total row per group (part_column =
    total_value), each with its contributor count `n_column`. A row is suppressed when fewer than k
    people contribute (primary). Where the total is published and exactly one part of its group is
    hidden, that part could be recovered by subtraction, so the smallest remaining part is hidden too
    (complementary). Returns the group columns, `part_column` and `is_suppressed`: join it back on them. -#}
{% macro complementary_suppression(relation, group_by, part_column, total_value, n_column, k) %}
{%- set groups = group_by | join(', ') -%}
with primary_flags as (
    select
        {{ groups }},
        {{ part_column }},
        {{ n_column }},
        {{ n_column }} < {{ k }} as is_primary_suppressed,
        {{ part_column }} = '{{ total_value }}' as is_total
    from {{ relation }}
),

group_state as (
    select
        {{ groups }},
        sum(case when not is_total and is_primary_suppressed then 1 else 0 end) as hidden_parts,
        sum(case when not is_total and not is_primary_suppressed then 1 else 0 end) as visible_parts,
        max(case when is_total and not is_primary_suppressed then 1 else 0 end) as total_published
    from primary_flags
    group by {{ groups }}
),

ranked as (
    select
        primary_flags.*,
        group_state.hidden_parts,
        group_state.total_published,
        group_state.visible_parts,
        row_number() over (
            partition by {% for column in group_by %}primary_flags.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
            order by case when primary_flags.is_total or primary_flags.is_primary_suppressed then 1 else 0 end,
                     primary_flags.{{ n_column }}, primary_flags.{{ part_column }}
        ) as visible_rank
    from primary_flags
    inner join group_state
        on {% for column in group_by %}group_state.{{ column }} = primary_flags.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %}
)

select
    {{ groups }},
    {{ part_column }},
    is_primary_suppressed
    or (hidden_parts = 1 and total_published = 1 and not is_total and visible_rank = 1)
    -- A total over a single hidden part would be that part.
    or (is_total and hidden_parts = 1 and visible_parts = 0) as is_suppressed
from ranked
{% endmacro %}

{#- A people figure as published: the value, or NULL where the row's group is suppressed. -#}
{% macro unless_suppressed(expr, flag='is_suppressed') -%}
case when not {{ flag }} then {{ expr }} end
{%- endmacro %}
