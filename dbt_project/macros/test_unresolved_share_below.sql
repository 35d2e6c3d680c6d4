{#- Unresolved identities are counted, never dropped silently: warn when their share passes a bound.
    Returns one row when the share of rows with flag_column false exceeds max_share. (Ranges, accepted
    values and expressions are rules of each model's `model_rules` test.) -#}
{% test unresolved_share_below(model, flag_column, max_share) %}
select share
from (
    select 1.0 * sum(case when {{ flag_column }} then 0 else 1 end) / nullif(count(*), 0) as share
    from {{ model }}
) as shares
where share > {{ max_share }}
{% endtest %}
