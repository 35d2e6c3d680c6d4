{#- The day `days` before the latest `date_column` the incremental model already holds, as a scalar
    subquery; the distant past when it holds nothing yet, so an empty first build does not leave
    the model empty for good. -#}
{% macro days_before_latest(date_column, days) -%}
(select coalesce(
    cast({{ dbt.dateadd('day', -1 * (days | int), 'max(' ~ date_column ~ ')') }} as date),
    cast('1900-01-01' as date)
) from {{ this }})
{%- endmacro %}
