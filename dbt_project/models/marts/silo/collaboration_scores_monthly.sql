-- Collaboration score per month, rating department and rated department
-- (docs/metrics.md#silocollaboration_scores_monthly): the mean
-- 0-10 answer to "how well does your department work with department X", and the asymmetry
-- score(A->B) - score(B->A). Privacy floor k on the raters of each pair: fewer than k and the score
-- is NULL. No totals over rated departments are published, so no part can be recovered by
-- subtraction and only primary suppression applies; an asymmetry needs both directions published.
-- A suppressed pair withholds its raters count too.
{% set k = var('privacy_k') | int %}

with ratings as (
    select
        response_month,
        department_name as rater_department_name,
        target_department_name as rated_department_name,
        respondent_key,
        avg(score_0_10) as score_0_10
    from {{ ref('int_surveys__construct_responses') }}
    where construct = 'collaboration'
        and department_name is not null
        -- A rated department the directory does not know (a survey option such as Legal in an
        -- organisation without one) has no department to report on.
        and target_department_name in (select department_name from {{ ref('dim_department') }})
    group by response_month, department_name, target_department_name, respondent_key
),

pairs as (
    select
        response_month,
        rater_department_name,
        rated_department_name,
        count(*) as raters,
        avg(score_0_10) as mean_score,
        count(*) < {{ k }} as is_suppressed
    from ratings
    group by response_month, rater_department_name, rated_department_name
)

select
    cast(pairs.response_month as date) as month_start,
    {{ period_is_complete('pairs.response_month', 'month') }} as is_complete,
    cast(lower(replace(pairs.rater_department_name, ' ', '_')) as {{ dbt.type_string() }}) as rater_department_id,
    cast(lower(replace(pairs.rated_department_name, ' ', '_')) as {{ dbt.type_string() }}) as rated_department_id,
    cast(pairs.rater_department_name as {{ dbt.type_string() }}) as rater_department_name,
    cast(pairs.rated_department_name as {{ dbt.type_string() }}) as rated_department_name,
    pairs.rater_department_name = pairs.rated_department_name as is_self_rating,
    cast(case when not pairs.is_suppressed then pairs.mean_score end as {{ type_double() }}) as score,
    cast(case when not pairs.is_suppressed and not reverse.is_suppressed
              then pairs.mean_score - reverse.mean_score end as {{ type_double() }}) as asymmetry,
    cast({{ unless_suppressed('pairs.raters', 'pairs.is_suppressed') }} as {{ dbt.type_bigint() }}) as raters,
    pairs.is_suppressed
from pairs
left join pairs as reverse
    on reverse.response_month = pairs.response_month
    and reverse.rater_department_name = pairs.rated_department_name
    and reverse.rated_department_name = pairs.rater_department_name
