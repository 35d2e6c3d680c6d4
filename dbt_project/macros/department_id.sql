{#- The stable department key of dim_department: lower-case name, spaces as underscores. -#}
{% macro department_id(department_name_expr) -%}
lower({{ dbt.replace(department_name_expr, "' '", "'_'") }})
{%- endmacro %}
