-- One row per OpenAI project.
select
    project_id,
    trim(name) as project_name,
    status,
    cast(created_at as date) as created_on,
    cast(archived_at as date) as archived_on
from {{ source('raw_openai', 'projects') }}
