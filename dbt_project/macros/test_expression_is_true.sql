{#- Rows for which a boolean SQL expression is not true (dbt_utils.expression_is_true, written here
    because dbt packages cannot be installed offline). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
