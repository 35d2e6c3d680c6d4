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

{#- A text column: varchar on DuckDB and Postgres; Spark wants `string` (its varchar needs a length). -#}
{% macro type_varchar() -%}
    {{ return(adapter.dispatch('type_varchar', 'archipelago')()) }}
{%- endmacro %}

{% macro default__type_varchar() -%}
    varchar
{%- endmacro %}

{% macro spark__type_varchar() -%}
    string
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- The Spark spelling of a type written for DuckDB/Postgres in YAML (contracts, seed column_types, unit
    tests): varchar/text -> string, float8/double precision -> double; anything else unchanged. -#}
{% macro spark_type(data_type) -%}
    {%- set spelled = data_type | trim | lower -%}
    {%- if spelled in ('varchar', 'text') -%}string
    {%- elif spelled in ('float8', 'double precision') -%}double
    {%- else -%}{{ data_type }}
    {%- endif -%}
{%- endmacro %}

{#- A fractional literal that must divide as a double. Spark reads 60.0 as DECIMAL(3,1), and an integer
    divided by it keeps only 6 decimals; DuckDB and Postgres get the literal exactly as written. -#}
{% macro double_literal(text) -%}
    {{ return(adapter.dispatch('double_literal', 'archipelago')(text)) }}
{%- endmacro %}

{% macro default__double_literal(text) -%}
    {{ text }}
{%- endmacro %}

{% macro spark__double_literal(text) -%}
    cast({{ text }} as double)
{%- endmacro %}
