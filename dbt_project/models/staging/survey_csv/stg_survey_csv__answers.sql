-- One row per answer of a survey_csv survey response; the construct mapping was applied at landing.
select
    'survey_csv' as survey_tool,
    survey_id,
    response_id,
    question_id,
    submitted_at,
    cast(submitted_at as date) as submitted_on,
    person_key,
    nullif(trim(department), '') as department_name,
    construct,
    tool,
    nullif(trim(target_department), '') as target_department_name,
    scale_min,
    scale_max,
    answer_value,
    question_map_version,
    _loaded_at as loaded_at
from {{ source('raw_survey_csv', 'answers') }}
