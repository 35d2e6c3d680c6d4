"""kpi.scorecard_monthly: at most nine KPIs per month x department with baseline, current, target and status."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import (
    TICKET_TABLES,
    USAGE_TABLES,
    departments_known,
    freshness,
    grain,
    not_null,
    schema,
    volume,
)

TABLE = "kpi.scorecard_monthly"
RELATION = "scorecard_monthly"
MAX_DELAY_DAYS = 45
SOURCES = USAGE_TABLES + TICKET_TABLES
COLUMNS = (
    "month_start", "is_complete", "department_id", "department_name", "kpi", "kpi_unit", "is_shared", "owner_departments",
    "baseline_value", "current_value", "target_value", "direction", "observations", "status",
    "is_suppressed",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "department_id", "kpi")),
        *not_null("month_start", "is_complete", "department_id", "kpi", "status", "is_suppressed"),
        departments_known("department_id", ctx),
        Expect("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["on_track", "at_risk", "off_track", "no_data", "incomplete", "suppressed"]},
               label="range: status"),
        *volume(ctx, RELATION, SOURCES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="range: at most nine KPIs per department and month",
            sql=f"""
                select coalesce(max(n), 0), coalesce(max(n), 0) <= 9
                from (select count(*) as n from {{marts}}.{RELATION} group by month_start, department_id) as counts
            """,
        ),
        SqlExpect(
            label="consistency: a shared KPI has one value for all its owners",
            sql=f"""
                select count(*), count(*) = 0 from (
                    select month_start, kpi, owner_departments
                    from {{marts}}.{RELATION} where is_shared
                    group by 1, 2, 3 having count(distinct current_value) > 1
                ) as split
            """,
        ),
        SqlExpect(
            # CSAT appears twice: a department's own CSAT here must equal its ratings in
            # value_chain.ticket_outcomes_monthly (AI-assisted and not, combined) where none of its
            # cells there is below the privacy floor.
            label="consistency: CSAT equals value_chain.ticket_outcomes_monthly",
            sql=f"""
                with outcomes as (
                    select month_start, department_id,
                           sum(csat_good_share * tickets_rated) / nullif(sum(tickets_rated), 0) as csat
                    from {{marts}}.ticket_outcomes_monthly group by 1, 2
                    having sum(case when is_suppressed then 1 else 0 end) = 0
                )
                select count(*) || ' mismatches', count(*) = 0
                from {{marts}}.{RELATION} s
                join outcomes o on o.month_start = s.month_start and o.department_id = s.department_id
                where s.kpi = 'csat_good_share' and not s.is_shared and abs(s.current_value - o.csat) > 1e-9
            """,
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, SOURCES),
        *volume(ctx, RELATION, SOURCES)[1],
    ]
