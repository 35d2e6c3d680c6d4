-- The versioned tool catalogue (seed tool_catalogue = config/tool_catalogue.csv) with the exclusive
-- end of each version, so a price or capability is looked up as of a day.
select
    tool,
    vendor,
    capability,
    owning_department,
    cast(monthly_seat_price_eur as {{ dbt.type_numeric() }}) as monthly_seat_price_eur,
    governance_zone,
    cast(version as {{ dbt.type_int() }}) as version,
    cast(valid_from as date) as valid_from,
    lead(cast(valid_from as date)) over (partition by tool order by cast(valid_from as date)) as valid_to
from {{ ref('tool_catalogue') }}
