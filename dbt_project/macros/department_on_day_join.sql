{#- Join that resolves (person, moment) -> the department the person was in on that day, from the
    effective-dated directory int_org__person_departments. A mover's earlier moments resolve to the
    old department. A moment before the person's first directory period (snapshot-only directories
    start on the first snapshot) falls back to that first period rather than to no department.
    Usage:  from x {{ department_on_day_join('x.person_key', 'x.changed_at', 'dept') }}
    gives dept.department_name, dept.team_name, dept.role_family (null when the person is unknown). -#}
{% macro department_on_day_join(person_key_expr, at_expr, alias='dept', join_type='left') -%}
{{ join_type }} join (
    select
        person_key,
        department_name,
        team_name,
        role_family,
        case
            when valid_from = min(valid_from) over (partition by person_key) then cast('1900-01-01' as date)
            else valid_from
        end as resolved_from,
        valid_to
    from {{ ref('int_org__person_departments') }}
) as {{ alias }}
    on {{ alias }}.person_key = {{ person_key_expr }}
    and {{ alias }}.resolved_from <= cast({{ at_expr }} as date)
    and {{ ends_after(alias ~ '.valid_to', 'cast(' ~ at_expr ~ ' as date)') }}
{%- endmacro %}
