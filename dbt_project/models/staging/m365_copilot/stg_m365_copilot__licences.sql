-- One row per licence snapshot day, Graph user and Copilot SKU.
select
    cast(snapshot_date as date) as snapshot_date,
    user_key,
    sku_id,
    person_key,
    coalesce(tool, 'm365_copilot') as tool,
    sku_part_number,
    cast(licensed_since as date) as licensed_since,
    coalesce(account_enabled, true) as account_enabled,
    _loaded_at as loaded_at
from {{ source('raw_m365_copilot', 'licences') }}
