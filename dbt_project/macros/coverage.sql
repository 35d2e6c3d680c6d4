{#- Unknown is not zero (docs/value_chain.md, "coverage"): `expr` when the usage history of the row's
    tool reaches `days_needed` days back from its day, else NULL. `known_days` = days since the tool's
    history starts (int_adoption__tool_coverage; NULL when it has none yet). -#}
{% macro if_known(expr, known_days, days_needed=0) -%}
case when {{ known_days }} >= {{ days_needed }} then {{ expr }} end
{%- endmacro %}

{#- 'no usage history before <day>' when the row needs days before the tool's history, else NULL. -#}
{% macro coverage_reason(history_from, known_days, days_needed) -%}
case
        when {{ history_from }} is null then 'no usage history of this tool yet'
        when {{ known_days }} < {{ days_needed }}
            then {{ dbt.concat(["'no usage history before '", dbt.safe_cast(history_from, api.Column.translate_type('string'))]) }}
    end
{%- endmacro %}
