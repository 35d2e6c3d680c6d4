-- Handoff matrix: cross-department handoffs per ISO week from one department to another, across
-- Jira, Zendesk and ServiceNow. Grain week_start x from_department_id x to_department_id.
-- Handoffs count tickets moving between departments, not people (docs/metrics.md#silohandoffs_weekly):
-- no privacy floor applies.
with handoffs as (
    select * from {{ ref('int_tickets__handoffs') }}
)

select
    handoff_week as week_start,
    {{ period_is_complete('handoff_week', 'week') }} as is_complete,
    {{ department_id('from_department') }} as from_department_id,
    from_department,
    {{ department_id('to_department') }} as to_department_id,
    to_department,
    count(*) as handoffs,
    count(distinct ticket_id) as tickets_handed_off,
    count(case when is_return then 1 end) as returning_handoffs,
    count(first_response_at) as handoffs_with_response,
    -- Passed on without any action by the receiving department (ping-pong seen from inside), and
    -- still held without action: neither has a wait, so both stay out of the medians.
    count(case when is_passed_on then 1 end) as handoffs_passed_on,
    count(case when is_open then 1 end) as handoffs_open,
    {{ median('boundary_wait_calendar_hours') }} as boundary_wait_calendar_hours_median,
    {{ median('boundary_wait_business_hours') }} as boundary_wait_business_hours_median
from handoffs
group by handoff_week, from_department, to_department
