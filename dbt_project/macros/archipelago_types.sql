{#- A double-precision float (YAML contracts and seed column_types spell it `float8`, DOUBLE on DuckDB and
    double precision on Postgres): dbt.type_float() renders a 32-bit FLOAT on DuckDB, too coarse for
    rates published to BI (0.72 would read 0.7200000286). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'archipelago')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}
