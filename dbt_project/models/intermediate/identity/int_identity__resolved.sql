-- Every vendor identity the warehouse has seen, resolved to a person.
-- Precedence: a hand-maintained override beats the vendor's own e-mail (an OpenAI user who signed up
-- with a private address has a vendor e-mail, but it is not the person's work e-mail).
-- Unresolved identities stay as rows with a null person_key, so they are counted, never dropped.
with vendor_identities as (
    select 'jira' as source, identity_key, person_key from {{ ref('stg_jira__users') }}
    union all
    select 'zendesk', identity_key, person_key from {{ ref('stg_zendesk__users') }}
    union all
    select 'servicenow', identity_key, person_key from {{ ref('stg_servicenow__users') }}
    union all
    -- ServiceNow audit rows name their author by user_name, a namespace of its own.
    select 'servicenow_user_name', user_name_key, person_key from {{ ref('stg_servicenow__users') }}
    where user_name_key is not null
    union all
    select 'msgraph', user_key, person_key from {{ ref('stg_msgraph_directory__users') }}
    union all
    select 'openai', identity_key, person_key from {{ source('identity_feed_openai', 'members') }}
    union all
    select 'github', identity_key, cast(null as {{ dbt.type_string() }}) from {{ source('identity_feed_github', 'seats') }}
    union all
    select 'github', identity_key, cast(null as {{ dbt.type_string() }}) from {{ source('identity_feed_github', 'user_day_usage') }}
),

vendor as (
    -- One row per identity; any non-null e-mail key the vendor ever reported.
    select source, identity_key, max(person_key) as vendor_person_key
    from vendor_identities
    where identity_key is not null
    group by source, identity_key
),

overrides as (
    select source, identity_key, person_key as override_person_key
    from {{ ref('stg_identity_overrides__overrides') }}
),

identities as (
    select source, identity_key from vendor
    union
    select source, identity_key from overrides
),

directory as (
    select distinct person_key from {{ ref('int_org__person_departments') }}
)

select
    identities.source,
    identities.identity_key,
    coalesce(overrides.override_person_key, vendor.vendor_person_key) as person_key,
    case
        when overrides.override_person_key is not null then 'override'
        when vendor.vendor_person_key is not null then 'vendor_email'
        else 'unresolved'
    end as resolution_method,
    -- A resolved key outside the directory is a customer or an external account, not an employee.
    directory.person_key is not null as is_in_directory
from identities
left join vendor
    on vendor.source = identities.source and vendor.identity_key = identities.identity_key
left join overrides
    on overrides.source = identities.source and overrides.identity_key = identities.identity_key
left join directory
    on directory.person_key = coalesce(overrides.override_person_key, vendor.vendor_person_key)
