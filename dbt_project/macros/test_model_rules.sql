{#- A model's row rules in one data test (one dbt node, one asset check, one query) instead of a
    dbt test per rule and column: dbt costs about 57 ms per node whatever the data.
    grain:             columns whose combination identifies a row (NULLs count as a value, like unique_combination),
                       or a list of such keys;
    unique:            columns each unique among their non-NULL values (dbt's built-in `unique`);
    not_null:          columns that must never be NULL;
    accepted_values:   column -> the values it may hold (NULL passes, as in dbt's `accepted_values`);
    between:           column -> [min, max], inclusive, either bound null for none (NULL passes);
    expressions:       boolean SQL expressions every row must satisfy (a NULL result passes, as in
                       `expression_is_true`);
    at_most_per_group: {group_by: [columns], n: N}, no more than N rows share those columns' values.
    Returns one row per broken rule: failed_rule, failed_column (the column, the columns, or the
    expression) and offending_rows. The rules that look at single rows are counted in one scan.
    Portable SQL: runs on DuckDB, Postgres and Spark. -#}
{% test model_rules(model, grain=none, unique=none, not_null=none, accepted_values=none, between=none,
                    expressions=none, at_most_per_group=none) %}
{%- set counted = [] -%}  {#- (rule, label, SQL condition of an offending row) -#}
{%- for column in not_null or [] -%}
  {%- do counted.append(('not_null', column, column ~ ' is null')) -%}
{%- endfor -%}
{%- for column, values in (accepted_values or {}).items() -%}
  {%- set quoted = [] -%}
  {%- for value in values -%}{%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
  {%- do counted.append(('accepted_values', column, column ~ ' not in (' ~ quoted | join(', ') ~ ')')) -%}
{%- endfor -%}
{%- for column, bounds in (between or {}).items() -%}
  {%- if bounds is string or bounds | length != 2 or (bounds[0] is none and bounds[1] is none) -%}
    {{ exceptions.raise_compiler_error("model_rules on " ~ model ~ ": between." ~ column ~ " must be [min, max], at most one of them null") }}
  {%- endif -%}
  {%- set outside = [] -%}
  {%- if bounds[0] is not none -%}{%- do outside.append(column ~ ' < ' ~ bounds[0]) -%}{%- endif -%}
  {%- if bounds[1] is not none -%}{%- do outside.append(column ~ ' > ' ~ bounds[1]) -%}{%- endif -%}
  {%- set label = column ~ (' outside [' ~ bounds[0] ~ ', ' ~ bounds[1] ~ ']' if bounds[0] is not none and bounds[1] is not none
                            else (' below ' ~ bounds[0] if bounds[0] is not none else ' above ' ~ bounds[1])) -%}
  {%- do counted.append(('range', label, outside | join(' or '))) -%}
{%- endfor -%}
{%- for expression in expressions or [] -%}
  {%- do counted.append(('expression', expression, 'not (' ~ expression ~ ')')) -%}
{%- endfor -%}
{%- set failures = [] -%}
{%- for rule, label, condition in counted -%}
  {%- do failures.append(
      "select '" ~ rule ~ "' as failed_rule, '" ~ (label | replace("'", '"')) ~ "' as failed_column, rule_" ~ loop.index
      ~ " as offending_rows from row_counts where rule_" ~ loop.index ~ " > 0") -%}
{%- endfor -%}
{%- set grains = [grain] if grain and grain[0] is string else (grain or []) -%}
{%- for key in grains -%}
  {%- do failures.append(
      "select 'grain' as failed_rule, '" ~ key | join(', ') ~ "' as failed_column, sum(occurrences) as offending_rows"
      ~ " from (select count(*) as occurrences from " ~ model ~ " group by " ~ key | join(', ')
      ~ " having count(*) > 1) duplicated_grain_" ~ loop.index ~ " having count(*) > 0") -%}
{%- endfor -%}
{%- for column in unique or [] -%}
  {%- do failures.append(
      "select 'unique' as failed_rule, '" ~ column ~ "' as failed_column, sum(occurrences) as offending_rows"
      ~ " from (select count(*) as occurrences from " ~ model ~ " where " ~ column ~ " is not null group by "
      ~ column ~ " having count(*) > 1) duplicated_" ~ loop.index ~ " having count(*) > 0") -%}
{%- endfor -%}
{%- if at_most_per_group -%}
  {%- set group_by = at_most_per_group['group_by'] | join(', ') -%}
  {%- do failures.append(
      "select 'at most " ~ at_most_per_group['n'] ~ " rows per' as failed_rule, '" ~ group_by ~ "' as failed_column,"
      ~ " sum(occurrences) as offending_rows from (select count(*) as occurrences from " ~ model ~ " group by "
      ~ group_by ~ " having count(*) > " ~ at_most_per_group['n'] ~ ") crowded_groups having count(*) > 0") -%}
{%- endif -%}
{%- if not failures -%}
  {{ exceptions.raise_compiler_error("model_rules on " ~ model ~ ": give at least one rule (grain, unique, not_null, accepted_values, between, expressions, at_most_per_group)") }}
{%- endif -%}
{%- if counted %}
with row_counts as (
    select
    {%- for rule, label, condition in counted %}
        sum(case when {{ condition }} then 1 else 0 end) as rule_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- endif %}
{{ failures | join('\nunion all\n') }}
{% endtest %}
