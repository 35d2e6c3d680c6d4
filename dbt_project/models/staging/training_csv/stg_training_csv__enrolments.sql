-- One row per person and AI training module.
select
    person_key,
    module_id,
    module_name,
    cast(started_on as date) as started_on,
    cast(completed_on as date) as completed_on,
    pre_score,
    post_score,
    _loaded_at as loaded_at
from {{ source('raw_training_csv', 'enrolments') }}
