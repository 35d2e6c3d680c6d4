-- GitHub logins and OpenAI users resolved to people (int_identity__resolved: overrides, then the
-- vendor's e-mail). Unresolved identities keep a null person_key and are counted downstream.
select
    source,
    identity_key,
    person_key,
    resolution_method
from {{ ref('int_identity__resolved') }}
where source in ('github', 'openai')
