{#- The newest landed row per key of a raw table: the dedupe step of a staging model.

    Portable SQL (row_number in a subquery, no QUALIFY). In an incremental staging model only the
    rows landed since the model's last run are read; with incremental_strategy='delete+insert' on
    the same key they replace the older version, so the run's cost follows the new data.
    The extra column _latest_rank is left for the caller's select list to drop. -#}
{% macro latest_rows(relation, key_columns, order_by='_loaded_at desc') -%}
select *
from (
    select
        landed.*,
        row_number() over (partition by {{ key_columns | join(', ') }} order by {{ order_by }}) as _latest_rank
    from {{ relation }} as landed
    where {{ loaded_since_last_run('landed._loaded_at') }}
) as ranked
where _latest_rank = 1
{%- endmacro %}
