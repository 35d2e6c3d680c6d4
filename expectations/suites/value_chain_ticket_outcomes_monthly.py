"""value_chain.ticket_outcomes_monthly: Zendesk first reply, resolution, reopens and CSAT per month x department x AI assistance."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import (
    TICKET_TABLES,
    between,
    departments_known,
    freshness,
    grain,
    not_null,
    schema,
    volume,
)

TABLE = "value_chain.ticket_outcomes_monthly"
RELATION = "ticket_outcomes_monthly"
MAX_DELAY_DAYS = 45
COLUMNS = (
    "month_start", "is_complete", "department_id", "department_name", "ai_assisted", "agents", "tickets_created",
    "tickets_solved", "tickets_replied", "median_first_reply_minutes", "median_resolution_minutes",
    "median_first_reply_business_minutes", "median_resolution_business_minutes", "reopen_rate", "tickets_rated",
    "csat_good_share", "is_suppressed",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "department_id", "ai_assisted")),
        *not_null("month_start", "department_id", "ai_assisted", "is_suppressed"),
        departments_known("department_id", ctx),
        between("reopen_rate", 0, 1),
        between("csat_good_share", 0, 1),
        between("median_first_reply_minutes", 0, None),
        between("median_resolution_minutes", 0, None),
        between("median_first_reply_business_minutes", 0, None),
        between("median_resolution_business_minutes", 0, None),
        *volume(ctx, RELATION, TICKET_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="range: solved, replied and rated tickets never exceed tickets created",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where tickets_solved > tickets_created or tickets_replied > tickets_created or tickets_rated > tickets_created
            """,
        ),
        SqlExpect(
            # Every Zendesk ticket with a department is in exactly one cell, and a published cell
            # counts all of its tickets (a cell below the privacy floor shows none).
            label="consistency: each published cell's tickets equal the Zendesk tickets of its month, department and assistance",
            sql=f"""
                with tickets as (
                    select cast(date_trunc('month', created_on) as date) as month_start, department_name,
                           is_ai_assisted as ai_assisted, count(*) as n
                    from intermediate.int_value_chain__zendesk_tickets where department_name is not null
                    group by 1, 2, 3
                )
                select count(*) || ' cells differ', count(*) = 0
                from tickets full join {{marts}}.{RELATION} as cells
                    on cells.month_start = tickets.month_start and cells.department_name = tickets.department_name
                    and cells.ai_assisted = tickets.ai_assisted
                where tickets.n is null or cells.month_start is null
                   or (not cells.is_suppressed and cells.tickets_created <> tickets.n)
            """,
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, TICKET_TABLES),
        *volume(ctx, RELATION, TICKET_TABLES)[1],
    ]
