-- One row per survey response and construct, unified across Typeform, Qualtrics and the survey CSV:
-- the mean of the response's items mapped to the construct, rescaled to 0-100
-- ((answer - scale_min) / (scale_max - scale_min) * 100), and for the NPS constructs the 0-10
-- answer with its promoter (9-10) / detractor (0-6) class. Collaboration items keep the rated
-- department. Anonymous responses count as one respondent each.
with answers as (
    select * from {{ ref('stg_typeform__answers') }}
    union all
    select * from {{ ref('stg_qualtrics__answers') }}
    union all
    select * from {{ ref('stg_survey_csv__answers') }}
),

scored as (
    select
        survey_tool,
        survey_id,
        response_id,
        coalesce(person_key, {{ dbt.concat(['survey_tool', "':'", 'survey_id', "':'", 'response_id']) }}) as respondent_key,
        person_key,
        submitted_on,
        department_name,
        construct,
        tool,
        target_department_name,
        100.0 * (answer_value - scale_min) / (scale_max - scale_min) as score_0_100,
        -- NPS answers on the 0-10 scale whatever scale the tool used.
        10.0 * (answer_value - scale_min) / (scale_max - scale_min) as score_0_10
    from answers
    where construct is not null
        and construct <> 'comment'
        and answer_value is not null
        and scale_max > scale_min
)

select
    survey_tool,
    survey_id,
    response_id,
    respondent_key,
    person_key,
    submitted_on,
    cast({{ dbt.date_trunc('month', 'submitted_on') }} as date) as response_month,
    department_name,
    construct,
    target_department_name,
    count(*) as items,
    avg(score_0_100) as score_0_100,
    avg(score_0_10) as score_0_10,
    case when construct in ('tool_nps', 'enps') then
        case when avg(score_0_10) >= 9 then 'promoter' when avg(score_0_10) <= 6 then 'detractor' else 'passive' end
    end as nps_class
from scored
group by survey_tool, survey_id, response_id, respondent_key, person_key, submitted_on, department_name,
    construct, target_department_name
