-- The last day every AI-tool usage feed has reported: later days are not "idle", just not reported
-- yet (the M365 report lags two days, snapshot dates follow the server clock). One row.
-- Each feed is read once for its first and last day (the GitHub view joins its feature breakdown).
with github as (
    select min(activity_date) as first_day, max(activity_date) as latest_day
    from {{ ref('stg_github_copilot__user_day_usage') }}
),

openai as (
    select min(activity_date) as first_day, max(activity_date) as latest_day
    from {{ ref('stg_openai__completions_usage') }}
),

latest as (
    select latest_day from github
    union all
    select latest_day from openai
    union all
    select max(report_refresh_date) from {{ ref('stg_m365_copilot__usage_user_detail') }}
),

earliest as (
    select first_day from github
    union all
    select first_day from openai
)

select
    (select min(first_day) from earliest) as first_day,
    -- The feeds that do report: the most recent day reported by all of them.
    (select min(latest_day) from latest where latest_day is not null) as as_of_date
