{#- In an incremental run, restrict a ticket-scoped model to the tickets that received source rows
    since the model's last run. The model must carry source_loaded_at. From scratch: no filter.
    Landing stamps a batch's rows while it holds the warehouse's only write connection, so stamps
    follow commit order and nothing lands "behind" a run; var ticket_lookback_minutes (default 0)
    widens the window for a deployment where something else writes the raw tables. -#}
{% macro changed_tickets_filter(ticket_id_column) -%}
{%- if is_incremental() -%}
    {{ ticket_id_column }} in (
        select ticket_id from {{ ref('int_tickets__source_loads') }}
        where loaded_at >= {{ tickets_changed_since() }}
    )
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}

{#- The landing time from which a ticket counts as changed for this incremental model (scalar subquery). -#}
{% macro tickets_changed_since() -%}
(
    select coalesce(
        {{ dbt.dateadd('minute', -1 * var('ticket_lookback_minutes', 0) | int, 'max(source_loaded_at)') }},
        {{ dbt.cast("'1900-01-01'", dbt.type_timestamp()) }}
    )
    from {{ this }}
)
{%- endmacro %}

{#- The rows of a ticket-level staging model that belong to tickets in scope (all rows from scratch). -#}
{% macro changed_ticket_rows(relation, ticket_system, native_id_column) -%}
select * from {{ relation }}
where {{ changed_tickets_filter(ticket_id(ticket_system, native_id_column)) }}
{%- endmacro %}
