{#- On Spark the raw tables are Parquet files in the lake (pipelines/engines/spark.py): one directory per
    raw_<source>.<stream>, every landed version of a record kept. Before a model that reads raw tables builds (a pre-hook), each of its raw tables' directories
    is registered again (so a column the landing added is seen): an external table <stream>__files over
    it, and the view raw_<source>.<stream> that keeps the newest row per key, the rule DuckDB's landing
    applies when it merges (newest updated column, then the latest landing). The staging models read the
    view as they read the merged table on DuckDB.
    ARCHIPELAGO_LAKE_DIR: the lake's root (a path or a URL Spark can read); ARCHIPELAGO_LAKE_TABLES: JSON,
    raw_<source>.<stream> -> {primary_key, updated_column, columns}. Nothing happens on other engines (the hook renders no SQL, so dbt runs none). -#}
{% macro register_lake_sources() -%}
{%- if target.type == 'spark' and execute and model.sources -%}
    {%- set lake = env_var('ARCHIPELAGO_LAKE_DIR', '') -%}
    {%- set tables = fromjson(env_var('ARCHIPELAGO_LAKE_TABLES', '') or '{}') -%}
    {%- for source_name, table_name in model.sources -%}
        {%- set relation = source(source_name, table_name) -%}
        {%- set table = relation.schema ~ '.' ~ relation.identifier -%}
        {%- if table in tables -%}
            {%- set schema, name = relation.schema, relation.identifier -%}
            {%- set files = schema ~ '.' ~ name ~ '__files' -%}
            {%- set key = tables[table].get('primary_key') or [] -%}
            {%- set updated = tables[table].get('updated_column') -%}
            {%- set columns = tables[table].get('columns') or [] -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
            {%- do run_query('drop table if exists ' ~ files) -%}
            {%- do run_query("create table " ~ files ~ " using parquet options (mergeSchema 'true') location '"
                             ~ lake ~ "/" ~ schema ~ "/" ~ name ~ "'") -%}
            {%- if key and columns -%}
                {%- set order = (updated ~ ' desc nulls last, ' if updated else '') ~ '_loaded_at desc nulls last' -%}
                {%- do run_query('create or replace view ' ~ table ~ ' as select `' ~ (columns | join('`, `')) ~ '`'
                                 ~ ' from (select *, row_number() over (partition by ' ~ (key | join(', '))
                                 ~ ' order by ' ~ order ~ ') as _lake_rank from ' ~ files ~ ') where _lake_rank = 1') -%}
            {%- else -%}
                {%- do run_query('create or replace view ' ~ table ~ ' as select * from ' ~ files) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- endmacro %}
