-- The first day each AI tool's usage history is known for (unknown is not zero: a day before it is
-- insufficient_data, never a day without users). Vendors that serve history (GitHub Copilot's daily
-- reports, OpenAI's usage buckets) are known from the first day they returned. The Microsoft 365
-- Copilot user-detail report only says when each user was last active, so its history starts with
-- the first report landed: earlier days are unknown even if a last-activity date falls on them.
with served as (
    select tool, min(activity_date) as history_from
    from {{ ref('int_adoption__tool_activity_daily') }}
    where tool <> 'm365_copilot'
    group by tool
),

m365_reports as (
    select 'm365_copilot' as tool, min(report_refresh_date) as history_from
    from {{ ref('stg_m365_copilot__usage_user_detail') }}
)

select tool, cast(history_from as date) as history_from from served
union all
select tool, cast(history_from as date) from m365_reports where history_from is not null
