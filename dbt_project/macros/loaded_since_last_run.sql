{#- In an incremental run, true for rows landed at or after the newest loaded_at the model already
    holds (all rows when it holds none); outside an incremental run, always true. Landing stamps a
    batch with one _loaded_at and dbt never runs while a batch lands, so ">=" misses nothing: the
    boundary batch is simply processed again, which delete+insert makes harmless. -#}
{% macro loaded_since_last_run(loaded_at_column) -%}
{%- if is_incremental() -%}
    {{ loaded_at_column }} >= (
        select coalesce(max(loaded_at), {{ dbt.cast("'1900-01-01'", dbt.type_timestamp()) }}) from {{ this }}
    )
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}
