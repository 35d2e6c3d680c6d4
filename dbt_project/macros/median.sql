{#- The median of a column, as an aggregate: ANSI percentile_cont (DuckDB, Postgres, Snowflake,
    Redshift, Databricks). Dispatched, so an engine without ordered-set aggregates can override it
    in one place. -#}
{% macro median(column) -%}
{{ return(adapter.dispatch('median', 'archipelago')(column)) }}
{%- endmacro %}

{% macro default__median(column) -%}
percentile_cont(0.5) within group (order by {{ column }})
{%- endmacro %}
