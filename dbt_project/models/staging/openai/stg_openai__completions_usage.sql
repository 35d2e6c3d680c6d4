-- One row per day, OpenAI user and project; '(none)' users (service keys) are kept here and
-- filtered where people are counted.
select
    cast(day as date) as activity_date,
    identity_key,
    project_id,
    identity_key = '(none)' as is_without_user,
    coalesce(num_model_requests, 0) as model_requests,
    coalesce(input_tokens, 0) + coalesce(output_tokens, 0) as total_tokens,
    _loaded_at as loaded_at
from {{ source('raw_openai', 'completions_usage') }}
