-- Resolution of vendor identities per source: how many the warehouse could not tie to a person.
-- Operational, not published (no BI contract table); the counts are of accounts, not of people.
select
    source,
    count(*) as identities,
    count(case when resolution_method = 'vendor_email' then 1 end) as resolved_by_vendor_email,
    count(case when resolution_method = 'override' then 1 end) as resolved_by_override,
    count(case when resolution_method = 'unresolved' then 1 end) as unresolved,
    count(case when resolution_method <> 'unresolved' and not is_in_directory then 1 end) as resolved_outside_directory,
    cast(count(case when resolution_method = 'unresolved' then 1 end) as {{ type_double() }}) / count(*) as unresolved_share
from {{ ref('int_identity__resolved') }}
group by source
