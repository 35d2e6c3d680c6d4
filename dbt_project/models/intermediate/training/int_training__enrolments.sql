-- One row per person and AI training module, with the department the person was in when they
-- started it (a later move does not take the training along to the new department's figures).
select
    enrolments.person_key,
    enrolments.module_id,
    enrolments.module_name,
    enrolments.started_on,
    enrolments.completed_on,
    enrolments.pre_score,
    enrolments.post_score,
    case when enrolments.completed_on is not null
              and enrolments.pre_score is not null and enrolments.post_score is not null
         then enrolments.post_score - enrolments.pre_score end as skill_gain_points,
    departments.department_name as department_at_start
from {{ ref('stg_training_csv__enrolments') }} as enrolments
left join {{ ref('int_org__person_departments') }} as departments
    on departments.person_key = enrolments.person_key
    and departments.valid_from <= enrolments.started_on
    and {{ ends_after('departments.valid_to', 'enrolments.started_on') }}
