-- Ticketing identities -> directory person (only people in the directory: customers and unresolved
-- accounts have no department, so they take no part in handoffs or ties).
select source, identity_key, person_key
from {{ ref('int_identity__resolved') }}
where source in ('jira', 'zendesk', 'servicenow', 'servicenow_user_name')
    and person_key is not null
    and is_in_directory
