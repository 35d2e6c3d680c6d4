{#- Business time on the working calendars (config/calendars.yml and Zendesk's schedules, expanded by
    pipelines/calendars.py into source raw_calendar). Each row of working_intervals is a UTC working
    interval with the schedule's working seconds before it; every UTC day also has a zero-length row
    at midnight. The clock of a schedule at instant t (working seconds before t) is
        max(seconds_before + seconds from start_at to least(t, end_at))
    over the rows of t's UTC day that start at or before t: an equality join, the same on every engine.
    Business time between two instants is the difference of their clocks.

    Which schedule applies to someone waiting: the group's in the file, else the department's in the
    file, else the vendor's for the group's ticket system (Zendesk), else the organisation's default.
    Usage:
        from x
        {{ working_schedule_joins('x.ticket_system', 'x.group_name', 'x.department_name', 'cal') }}
    then {{ working_schedule_id('cal') }} is the schedule id. -#}
{% macro working_schedule_joins(system_expr, group_expr, department_expr, alias) -%}
left join {{ source('raw_calendar', 'schedule_assignments') }} as {{ alias }}_group
    on {{ alias }}_group.scope = 'group' and {{ alias }}_group.source = {{ system_expr }}
    and {{ alias }}_group.name = {{ group_expr }}
left join {{ source('raw_calendar', 'schedule_assignments') }} as {{ alias }}_department
    on {{ alias }}_department.scope = 'department' and {{ alias }}_department.name = {{ department_expr }}
left join {{ source('raw_calendar', 'schedule_assignments') }} as {{ alias }}_vendor
    on {{ alias }}_vendor.scope = 'vendor' and {{ alias }}_vendor.source = {{ system_expr }}
left join {{ source('raw_calendar', 'schedule_assignments') }} as {{ alias }}_default
    on {{ alias }}_default.scope = 'default'
{%- endmacro %}

{% macro working_schedule_id(alias) -%}
coalesce({{ alias }}_group.schedule_id, {{ alias }}_department.schedule_id, {{ alias }}_vendor.schedule_id, {{ alias }}_default.schedule_id)
{%- endmacro %}

{#- The rows needed for the clock of schedule `schedule_expr` at `at_expr`; aggregate with working_clock. -#}
{% macro working_clock_join(alias, schedule_expr, at_expr) -%}
left join {{ source('raw_calendar', 'working_intervals') }} as {{ alias }}
    on {{ alias }}.schedule_id = {{ schedule_expr }}
    and {{ alias }}.utc_date = cast({{ at_expr }} as date)
    and {{ alias }}.start_at <= {{ at_expr }}
{%- endmacro %}

{#- Working seconds of the schedule before `at_expr` (an aggregate over the rows working_clock_join adds). -#}
{% macro working_clock(alias, at_expr) -%}
max({{ alias }}.seconds_before + {{ dbt.datediff(alias ~ '.start_at', 'case when ' ~ at_expr ~ ' < ' ~ alias ~ '.end_at then ' ~ at_expr ~ ' else ' ~ alias ~ '.end_at end', 'second') }})
{%- endmacro %}

{#- In an incremental run of a model that counts business time: true when the calendars changed since
    the model's rows were last built (raw_calendar.calendar_version), so every ticket is recomputed on
    the new calendars; combine with changed_tickets_filter by `or`. From scratch: false. -#}
{% macro calendar_changed_filter() -%}
{%- if is_incremental() -%}
    (select max(changed_at) from {{ source('raw_calendar', 'calendar_version') }}) >= {{ tickets_changed_since() }}
{%- else -%}
    1 = 0
{%- endif -%}
{%- endmacro %}
