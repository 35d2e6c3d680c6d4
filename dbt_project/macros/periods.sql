{#- Periods say whether they are over (docs/metrics.md, "Periods and units").

    run_date(): the day the build describes. ARCHIPELAGO_TODAY when set (tests, replays of a past
    day), else the database's current date.
    period_is_complete(start, datepart): the period starting on `start` (a day, week or month) has
    ended before the run date, so its figures will not change any more as data lands. -#}
{% macro run_date() -%}
    {%- set today = env_var('ARCHIPELAGO_TODAY', '') | trim -%}
    {%- if today -%}cast('{{ today }}' as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}

{% macro period_is_complete(period_start, datepart) -%}
    (cast({{ dbt.dateadd(datepart, 1, period_start) }} as date) <= {{ run_date() }})
{%- endmacro %}
