{#- The median of a column, as an aggregate: ANSI percentile_cont (DuckDB, Postgres, Snowflake,
    Redshift, Databricks). Dispatched, so an engine without ordered-set aggregates can override it
    in one place. -#}
{% macro median(column) -%}
{{ return(adapter.dispatch('median', 'archipelago')(column)) }}
{%- endmacro %}

{% macro default__median(column) -%}
percentile_cont(0.5) within group (order by {{ column }})
{%- endmacro %}

{#- The `fraction` percentile of a column, as an aggregate (linear interpolation between ranks). -#}
{% macro percentile(column, fraction) -%}
{{ return(adapter.dispatch('percentile', 'archipelago')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile(column, fraction) -%}
percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}
