{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='seat_date',
        on_schema_change='fail'
    )
}}
-- One row per person, AI tool and day on which they held a licence (seat). Seat lists are snapshots:
-- a seat runs from its licensed-since date. A GitHub seat seen with a pending_cancellation_date ends
-- the day before that date (the vendor's fact, whatever the refresh cadence: a seat cancelled on the
-- 20th ends on the 19th even when the next refresh comes on the 27th); any other seat on the latest
-- snapshot runs to the as-of day, otherwise to the last snapshot that still listed it. Unresolved seat holders keep their
-- vendor key as actor_key (counted, not attributable to a department).
-- Incremental: a run rebuilds the days from var('adoption_lookback_days') before the latest one it
-- holds; the seats themselves come from every snapshot, only their days before that are kept. A seat
-- back-dated further than the lookback, or an OpenAI member whose main tool changed, shows on older
-- days after `dbt build --full-refresh`.
{%- set rebuild_from = days_before_latest('seat_date', var('adoption_lookback_days', 7)) %}
with openai_member_tool as (
    -- OpenAI seats are organisation memberships; a member's seat belongs to the tool whose project
    -- they use most (HR's recruiting screener is not Marketing's chat tool).
    select identity_key, tool
    from (
        select
            identity_key,
            tool,
            row_number() over (partition by identity_key order by sum(intensity_units) desc, tool) as preference
        from {{ ref('int_adoption__tool_activity_daily') }}
        where identity_source = 'openai'
        group by identity_key, tool
    ) as per_tool
    where preference = 1
),

snapshots as (
    select
        'github' as identity_source,
        seats.identity_key,
        ids.person_key,
        seats.tool,
        seats.licensed_since,
        seats.snapshot_date,
        seats.pending_cancellation_date
    from {{ ref('stg_github_copilot__seats') }} as seats
    left join {{ ref('int_adoption__tool_identities') }} as ids
        on ids.source = 'github' and ids.identity_key = seats.identity_key

    union all

    select
        'msgraph',
        licences.user_key,
        licences.person_key,
        licences.tool,
        licences.licensed_since,
        licences.snapshot_date,
        cast(null as date)
    from {{ ref('stg_m365_copilot__licences') }} as licences
    where licences.account_enabled

    union all

    select
        'openai',
        members.identity_key,
        coalesce(ids.person_key, members.person_key),
        coalesce(member_tool.tool, 'openai_chatgpt'),
        members.member_since,
        members.snapshot_date,
        cast(null as date)
    from {{ ref('stg_openai__members') }} as members
    left join {{ ref('int_adoption__tool_identities') }} as ids
        on ids.source = 'openai' and ids.identity_key = members.identity_key
    left join openai_member_tool as member_tool on member_tool.identity_key = members.identity_key
    where not members.is_service_account
),

latest_snapshot as (
    select identity_source, max(snapshot_date) as latest_snapshot_date
    from snapshots
    group by identity_source
),

seats as (
    select
        snapshots.identity_source,
        snapshots.identity_key,
        max(snapshots.person_key) as person_key,
        snapshots.tool,
        min(coalesce(snapshots.licensed_since, snapshots.snapshot_date)) as seat_start,
        max(snapshots.snapshot_date) as last_seen,
        max(snapshots.pending_cancellation_date) as cancelled_on,
        max(latest_snapshot.latest_snapshot_date) as latest_snapshot_date
    from snapshots
    inner join latest_snapshot on latest_snapshot.identity_source = snapshots.identity_source
    group by snapshots.identity_source, snapshots.identity_key, snapshots.tool
)

select distinct
    coalesce(seats.person_key, {{ dbt.concat(['seats.identity_source', "':'", 'seats.identity_key']) }}) as actor_key,
    seats.person_key,
    seats.tool,
    days.calendar_date as seat_date
from seats
inner join {{ ref('int_adoption__calendar_days') }} as days
    on days.calendar_date >= seats.seat_start
    and case
        when seats.cancelled_on is not null then days.calendar_date < seats.cancelled_on
        else seats.last_seen = seats.latest_snapshot_date or days.calendar_date <= seats.last_seen
    end
{% if is_incremental() -%}
where days.calendar_date >= {{ rebuild_from }}
{%- endif %}
