-- Day spine of the adoption marts: from the first reported usage day to the as-of day.
-- dbt.generate_series needs a literal bound: 4096 days (11 years) covers any usage history.
with numbers as (
    {{ dbt.generate_series(4096) }}
),

bounds as (
    select first_day, as_of_date from {{ ref('int_adoption__as_of') }}
)

select cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_day') }} as date) as calendar_date
from numbers
cross join bounds
where {{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_day') }} <= bounds.as_of_date
