-- One row per report refresh date and user: the last-activity dates as the report showed them.
select
    cast(report_refresh_date as date) as report_refresh_date,
    person_key,
    coalesce(tool, 'm365_copilot') as tool,
    cast(last_activity_date as date) as last_activity_date,
    cast(copilot_chat_last_activity_date as date) as chat_last_activity_date,
    cast(teams_last_activity_date as date) as teams_last_activity_date,
    cast(word_last_activity_date as date) as word_last_activity_date,
    cast(excel_last_activity_date as date) as excel_last_activity_date,
    cast(powerpoint_last_activity_date as date) as powerpoint_last_activity_date,
    cast(outlook_last_activity_date as date) as outlook_last_activity_date,
    cast(snapshot_date as date) as snapshot_date,
    _loaded_at as loaded_at
from {{ source('raw_m365_copilot', 'usage_user_detail') }}
