{#- A model's grain and not-null checks in one data test (one dbt node, one asset check, one query
    instead of one per column): dbt costs about 57 ms per node whatever the data.
    grain:    columns whose combination identifies a row (NULLs count as a value, like unique_combination);
    unique:   columns each unique among their non-NULL values (dbt's built-in `unique`);
    not_null: columns that must never be NULL.
    Returns one row per broken rule: failed_rule, failed_column and offending_rows (rows with a NULL,
    or rows sharing a duplicated key). Portable SQL: runs on DuckDB, Postgres and Spark. -#}
{% test grain_and_not_null(model, grain=none, unique=none, not_null=none) %}
{%- set grain = grain or [] -%}
{%- set unique = unique or [] -%}
{%- set not_null = not_null or [] -%}
{%- set failures = [] -%}
{%- if not_null -%}
  {%- for column in not_null -%}
    {%- do failures.append(
        "select 'not_null' as failed_rule, '" ~ column ~ "' as failed_column, null_" ~ loop.index ~
        " as offending_rows from null_counts where null_" ~ loop.index ~ " > 0") -%}
  {%- endfor -%}
{%- endif -%}
{%- if grain -%}
  {%- do failures.append(
      "select 'grain' as failed_rule, '" ~ grain | join(', ') ~ "' as failed_column, sum(occurrences) as offending_rows"
      ~ " from (select count(*) as occurrences from " ~ model ~ " group by " ~ grain | join(', ')
      ~ " having count(*) > 1) duplicated_grain having count(*) > 0") -%}
{%- endif -%}
{%- for column in unique -%}
  {%- do failures.append(
      "select 'unique' as failed_rule, '" ~ column ~ "' as failed_column, sum(occurrences) as offending_rows"
      ~ " from (select count(*) as occurrences from " ~ model ~ " where " ~ column ~ " is not null group by "
      ~ column ~ " having count(*) > 1) duplicated_" ~ loop.index ~ " having count(*) > 0") -%}
{%- endfor -%}
{%- if not failures -%}
  {{ exceptions.raise_compiler_error("grain_and_not_null on " ~ model ~ ": give grain, unique or not_null columns") }}
{%- endif -%}
{%- if not_null %}
with null_counts as (
    select
    {%- for column in not_null %}
        sum(case when {{ column }} is null then 1 else 0 end) as null_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- endif %}
{{ failures | join('\nunion all\n') }}
{% endtest %}
