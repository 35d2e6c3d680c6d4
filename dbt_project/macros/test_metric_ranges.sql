{#- Range tests of the adoption, value-chain and KPI marts (dbt_utils is not installable
    offline, so these few are written here). Each returns the offending rows. -#}

{% test score_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{% test rate_between_zero_and_one(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}

{% test non_negative(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0
{% endtest %}

{#- Unresolved identities are counted, never dropped silently: warn when their share passes a bound.
    Returns one row when the share of rows with flag_column false exceeds max_share. -#}
{% test unresolved_share_below(model, flag_column, max_share) %}
select share
from (
    select 1.0 * sum(case when {{ flag_column }} then 0 else 1 end) / nullif(count(*), 0) as share
    from {{ model }}
) as shares
where share > {{ max_share }}
{% endtest %}

{#- At most n rows per group (e.g. no more than nine KPIs per department and month). -#}
{% test at_most_n_per_group(model, group_by, n) %}
select {{ group_by | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ group_by | join(', ') }}
having count(*) > {{ n }}
{% endtest %}
