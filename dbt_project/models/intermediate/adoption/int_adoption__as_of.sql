-- The last day every AI-tool usage feed has reported: later days are not "idle", just not reported
-- yet (the M365 report lags two days, snapshot dates follow the server clock). One row.
with latest as (
    select max(activity_date) as latest_day from {{ ref('stg_github_copilot__user_day_usage') }}
    union all
    select max(activity_date) from {{ ref('stg_openai__completions_usage') }}
    union all
    select max(report_refresh_date) from {{ ref('stg_m365_copilot__usage_user_detail') }}
),

earliest as (
    select min(activity_date) as first_day from {{ ref('stg_github_copilot__user_day_usage') }}
    union all
    select min(activity_date) from {{ ref('stg_openai__completions_usage') }}
)

select
    (select min(first_day) from earliest) as first_day,
    -- The feeds that do report: the most recent day reported by all of them.
    (select min(latest_day) from latest where latest_day is not null) as as_of_date
