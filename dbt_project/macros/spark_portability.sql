{#- What the project needs from dbt-spark that dbt-spark does differently (docs/spark.md). Each macro is
    a spark__ implementation picked by adapter.dispatch, or replaces a dbt-spark helper, so the models
    and the DuckDB/Postgres SQL stay as they are. -#}

{#- Casts written with a DuckDB/Postgres type name (contract columns are checked through dbt.cast). -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- Seeds: column_types spell DuckDB/Postgres types (varchar, float8). -#}
{% macro spark__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
            {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
  {% endset %}
  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}
  {{ return(sql) }}
{% endmacro %}

{#- Seed rows as SQL literals: dbt-spark's session connection formats a bound None as the text 'None'. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
      {%- do types.append(spark_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
      {%- set sql -%}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for value in row -%}
                  cast({{ spark_literal(value) }} as {{ types[loop.index0] }}){%- if not loop.last %},{%- endif %}
              {%- endfor -%}){%- if not loop.last %},{%- endif %}
          {%- endfor %}
      {%- endset -%}
      {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
      {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}

{% macro spark_literal(value) -%}
  {%- if value is none -%}null
  {%- elif value is sameas true -%}true
  {%- elif value is sameas false -%}false
  {%- elif value is number -%}{{ value }}
  {%- else -%}'{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}

{#- Contracts: a Parquet table cannot hold constraints (dbt-spark would try ALTER COLUMN SET NOT NULL
    unless a file_format says otherwise). The contract's column names and types are still checked; on
    DuckDB and Postgres the constraints are enforced as before. -#}
{% macro spark__persist_constraints(relation, model) %}
  {%- if config.get('contract').enforced and config.get('file_format') in ['delta', 'iceberg'] -%}
    {%- do alter_table_add_constraints(relation, model.constraints) -%}
    {%- do alter_column_set_constraints(relation, model.columns) -%}
  {%- endif -%}
{% endmacro %}

{#- listagg with its order: dbt-spark's drops the order by (collect_list keeps no order). Collect
    (order key, value) pairs, sort them, keep the values; no values gives null as on DuckDB. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set order_key = order_by_clause | trim | replace('order by', '', 1) | trim -%}
        {%- set descending = (order_key | lower).endswith(' desc') -%}
        {%- set order_key = order_key[:-4] if descending else order_key -%}
        {%- set pairs -%}
            array_sort(collect_list(case when ({{ measure }}) is not null then struct({{ order_key }} as k, {{ measure }} as v) end))
        {%- endset -%}
        {%- set values -%}transform({{ 'reverse(' ~ pairs ~ ')' if descending else pairs }}, pair -> pair.v){%- endset -%}
    {%- else -%}
        {%- set values -%}collect_list({{ measure }}){%- endset -%}
    {%- endif -%}
    {%- set collected = 'slice(' ~ values ~ ', 1, ' ~ limit_num ~ ')' if limit_num else values -%}
    case when size({{ collected }}) > 0 then array_join({{ collected }}, {{ delimiter_text }}) end
{%- endmacro %}

{#- Incremental models keep their delete+insert strategy on Spark. Without Delta or Iceberg a Parquet
    table cannot delete rows, so the strategy writes the table's new content (the rows whose key the run
    does not rebuild, plus the run's rows) to a side table, then overwrites the model's table from it
    (Spark refuses to overwrite a table from a query that reads it) and drops the side table. The run's own SQL still reads only
    the changed data; the rewrite costs one pass over the table. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
  {%- if raw_strategy not in ['append', 'merge', 'insert_overwrite', 'microbatch', 'delete+insert'] -%}
    {%- do exceptions.raise_compiler_error("Invalid incremental strategy provided: " ~ raw_strategy
        ~ ". Expected one of: 'append', 'merge', 'insert_overwrite', 'microbatch', 'delete+insert'") -%}
  {%- endif -%}
  {%- if raw_strategy == 'merge' and file_format not in ['delta', 'iceberg', 'hudi'] -%}
    {%- do exceptions.raise_compiler_error("The merge strategy needs file_format delta, iceberg or hudi") -%}
  {%- endif -%}
  {%- do return(raw_strategy) -%}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
  {%- if strategy == 'delete+insert' -%}
    {{ spark_delete_insert_sql(source, target, unique_key) }}
  {%- elif strategy == 'append' -%}
    {{ get_insert_into_sql(source, target) }}
  {%- elif strategy in ('insert_overwrite', 'microbatch') -%}
    {{ get_insert_overwrite_sql(source, target, existing) }}
  {%- elif strategy == 'merge' -%}
    {{ get_merge_sql(target, source, unique_key, dest_columns=none, incremental_predicates=incremental_predicates) }}
  {%- else -%}
    {%- do exceptions.raise_compiler_error("No known SQL for the incremental strategy " ~ strategy) -%}
  {%- endif -%}
{% endmacro %}

{% macro spark_delete_insert_sql(source, target, unique_key) %}
  {%- set keys = [unique_key] if unique_key is string else unique_key -%}
  {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
  {%- set side = target.incorporate(path={"identifier": target.identifier ~ '__dbt_rebuild'}) -%}
  {%- do run_query('drop table if exists ' ~ side) -%}
  {%- call statement('delete_insert_side_table') -%}
    create table {{ side }} using parquet as
    select {{ columns }} from {{ target }} as kept
    where not exists (
        select 1 from {{ source }} as rebuilt
        where {% for key in keys %}rebuilt.{{ key }} = kept.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    )
    union all
    select {{ columns }} from {{ source }}
  {%- endcall -%}
  {%- call statement('delete_insert_overwrite') -%}
    insert overwrite table {{ target }} select {{ columns }} from {{ side }}
  {%- endcall -%}
  drop table {{ side }}
{% endmacro %}
