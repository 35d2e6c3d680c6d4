{#- On Spark the raw tables are Parquet files in the lake (pipelines/engines/spark.py): one directory per
    raw_<source>.<stream>, every landed version of a record kept. Once per dbt command, before the first model builds (a pre-hook), every directory
    is registered again (so a column the landing added is seen): an external table <stream>__files over
    it, and the view raw_<source>.<stream> that keeps the newest row per key, the rule DuckDB's landing
    applies when it merges (newest updated column, then the latest landing). The staging models read the
    view as they read the merged table on DuckDB.
    ARCHIPELAGO_LAKE_DIR: the lake's root (a path or a URL Spark can read); ARCHIPELAGO_LAKE_TABLES: JSON,
    raw_<source>.<stream> -> {primary_key, updated_column, columns}. Nothing happens on other engines (the hook renders no SQL, so dbt runs none). -#}
{% macro register_lake_sources() -%}
{#- Once per dbt invocation, by whichever model builds first (the graph dict is shared by every node of
    the invocation): a model's `sources` miss those it names only in incremental runs. -#}
{%- if target.type == 'spark' and execute and graph.get('_archipelago_lake_registered') != invocation_id -%}
    {%- do graph.update({'_archipelago_lake_registered': invocation_id}) -%}
    {%- set lake = env_var('ARCHIPELAGO_LAKE_DIR', '') -%}
    {%- set tables = fromjson(env_var('ARCHIPELAGO_LAKE_TABLES', '') or '{}') -%}
    {%- set schemas = [] -%}
    {%- for table in tables -%}{%- do schemas.append(table.split('.')[0]) -%}{%- endfor -%}
    {%- for schema in schemas | unique | sort -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- endfor -%}
    {%- for table in tables | sort -%}
        {%- set schema, name = table.split('.') -%}
        {%- set files = schema ~ '.' ~ name ~ '__files' -%}
        {%- set key = tables[table].get('primary_key') or [] -%}
        {%- set updated = tables[table].get('updated_column') -%}
        {%- set columns = tables[table].get('columns') or [] -%}
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
    {%- endfor -%}
{%- endif -%}
{%- endmacro %}
