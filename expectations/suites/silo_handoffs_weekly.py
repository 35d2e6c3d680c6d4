"""silo.handoffs_weekly: cross-department handoffs per week, from department x to department."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.silo_common import freshness, volume

TABLE = "silo.handoffs_weekly"
RELATION = "handoffs_weekly"
# Ticketing systems land daily; a latest week older than this means the ticket feeds stopped.
TICKETS_MAX_DELAY_DAYS = 14


def expectations(ctx: SuiteContext) -> list[Expect]:
    departments = sorted(ctx.department_ids)
    return [
        Expect(
            "ExpectTableColumnsToMatchSet",
            {
                "column_set": [
                    "week_start", "is_complete", "from_department_id", "from_department", "to_department_id", "to_department",
                    "handoffs", "tickets_handed_off", "returning_handoffs", "handoffs_with_response",
                    "handoffs_passed_on", "handoffs_open",
                    "boundary_wait_calendar_hours_median", "boundary_wait_business_hours_median",
                ],
                "exact_match": True,
            },
            label="schema: columns",
        ),
        Expect(
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["week_start", "from_department_id", "to_department_id"]},
            label="grain: week_start x from_department_id x to_department_id unique",
        ),
        *(
            Expect("ExpectColumnValuesToNotBeNull", {"column": c}, label=f"key not null: {c}")
            for c in ("week_start", "from_department_id", "to_department_id", "handoffs")
        ),
        Expect("ExpectColumnValuesToBeInSet", {"column": "from_department_id", "value_set": departments},
               label="referential integrity: from_department_id in dim_department"),
        Expect("ExpectColumnValuesToBeInSet", {"column": "to_department_id", "value_set": departments},
               label="referential integrity: to_department_id in dim_department"),
        Expect("ExpectColumnValuesToBeBetween", {"column": "handoffs", "min_value": 1}, label="range: handoffs >= 1"),
        Expect("ExpectColumnValuesToBeBetween", {"column": "boundary_wait_calendar_hours_median", "min_value": 0},
               label="range: calendar boundary wait >= 0"),
        Expect("ExpectColumnValuesToBeBetween", {"column": "boundary_wait_business_hours_median", "min_value": 0},
               label="range: business boundary wait >= 0"),
        *volume(ctx, RELATION)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="range: no handoff from a department to itself",
            sql="select count(*), count(*) = 0 from {marts}.handoffs_weekly where from_department_id = to_department_id",
        ),
        SqlExpect(
            label="range: business-hour wait never exceeds calendar wait",
            sql="""
                select count(*), count(*) = 0 from {marts}.handoffs_weekly
                where boundary_wait_business_hours_median > boundary_wait_calendar_hours_median + 1e-9
            """,
        ),
        freshness(ctx, RELATION, "week_start", TICKETS_MAX_DELAY_DAYS),
        *volume(ctx, RELATION)[1],
    ]
