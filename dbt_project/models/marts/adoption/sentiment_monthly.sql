-- Survey sentiment per month, department and construct (docs/metrics.md#adoptionsentiment_monthly): perceived usefulness,
-- resistance and psychological safety as the mean answer rescaled to 0-100; tool NPS and eNPS as
-- % promoters (9-10) - % detractors (0-6), in [-100, 100]. Each month also has an organisation row
-- (department_id 'all_departments'). Privacy floor k with complementary suppression: a figure over
-- fewer than k respondents is NULL, and so is the next smallest department where a total and all
-- but one department would give the hidden one away. A suppressed row withholds its respondents too.
{% set k = var('privacy_k') | int %}

with responses as (
    select *
    from {{ ref('int_surveys__construct_responses') }}
    where construct in ('usefulness', 'resistance', 'psychological_safety', 'tool_nps', 'enps')
        and department_name is not null
),

departments as (
    select
        response_month,
        lower(replace(department_name, ' ', '_')) as department_id,
        department_name,
        construct,
        respondent_key,
        score_0_100,
        nps_class
    from responses
),

with_total as (
    select * from departments
    union all
    select response_month, 'all_departments', 'All departments', construct, respondent_key, score_0_100, nps_class
    from departments
),

per_respondent as (
    -- A respondent answering twice in a month (two surveys) counts once, with their mean.
    select
        response_month,
        department_id,
        department_name,
        construct,
        respondent_key,
        avg(score_0_100) as score_0_100,
        max(case when nps_class = 'promoter' then 1 else 0 end) as is_promoter,
        max(case when nps_class = 'detractor' then 1 else 0 end) as is_detractor
    from with_total
    group by response_month, department_id, department_name, construct, respondent_key
),

aggregated as (
    select
        response_month,
        department_id,
        department_name,
        construct,
        count(*) as respondents,
        avg(score_0_100) as mean_score_0_100,
        1.0 * sum(is_promoter) / count(*) as promoter_share,
        1.0 * sum(is_detractor) / count(*) as detractor_share
    from per_respondent
    group by response_month, department_id, department_name, construct
),

suppression as (
    {{ complementary_suppression('aggregated', ['response_month', 'construct'], 'department_id', 'all_departments', 'respondents', k) }}
)

select
    cast(aggregated.response_month as date) as month_start,
    {{ period_is_complete('aggregated.response_month', 'month') }} as is_complete,
    cast(aggregated.department_id as {{ dbt.type_string() }}) as department_id,
    cast(aggregated.department_name as {{ dbt.type_string() }}) as department_name,
    cast(aggregated.construct as {{ dbt.type_string() }}) as construct,
    cast(case when aggregated.construct in ('tool_nps', 'enps') then 'nps' else 'mean_0_100' end as {{ dbt.type_string() }}) as score_kind,
    cast(case
        when suppression.is_suppressed then null
        when aggregated.construct in ('tool_nps', 'enps')
            then 100.0 * (aggregated.promoter_share - aggregated.detractor_share)
        else aggregated.mean_score_0_100
    end as {{ type_double() }}) as score,
    cast(case when not suppression.is_suppressed and aggregated.construct in ('tool_nps', 'enps')
              then aggregated.promoter_share end as {{ type_double() }}) as promoter_share,
    cast(case when not suppression.is_suppressed and aggregated.construct in ('tool_nps', 'enps')
              then aggregated.detractor_share end as {{ type_double() }}) as detractor_share,
    cast({{ unless_suppressed('aggregated.respondents', 'suppression.is_suppressed') }} as {{ dbt.type_bigint() }}) as respondents,
    suppression.is_suppressed
from aggregated
inner join suppression
    on suppression.response_month = aggregated.response_month
    and suppression.construct = aggregated.construct
    and suppression.department_id = aggregated.department_id
