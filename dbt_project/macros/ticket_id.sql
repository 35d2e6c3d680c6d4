{#- The namespaced id of a ticket across systems ('jira:10001', 'zendesk:42', 'servicenow:<sys_id>'),
    so ids of different systems never collide. -#}
{% macro ticket_id(ticket_system, native_id_column) -%}
{{ dbt.concat(["'" ~ ticket_system ~ ":'", dbt.safe_cast(native_id_column, api.Column.translate_type('string'))]) }}
{%- endmacro %}
