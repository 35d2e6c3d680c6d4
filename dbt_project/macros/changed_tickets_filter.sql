{#- In an incremental run, restrict a ticket-scoped model to the tickets that received source rows
    since the model's last run, less a lookback (var ticket_lookback_hours, default 48) for rows
    landed out of order. The model must carry source_loaded_at. From scratch: no filter. -#}
{% macro changed_tickets_filter(ticket_id_column) -%}
{%- if is_incremental() -%}
    {{ ticket_id_column }} in (
        select ticket_id from {{ ref('int_tickets__source_loads') }}
        where loaded_at > (
            select {{ dbt.dateadd('hour', -1 * var('ticket_lookback_hours', 48) | int, 'max(source_loaded_at)') }}
            from {{ this }}
        )
    )
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}
