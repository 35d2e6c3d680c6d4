"""adoption.tool_usage_daily: seats, DAU/WAU/MAU, activation, stickiness, intensity per day x tool x department."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import (
    USAGE_TABLES,
    between,
    departments_known,
    freshness,
    grain,
    not_null,
    schema,
    volume,
)

TABLE = "adoption.tool_usage_daily"
RELATION = "tool_usage_daily"
# Vendors report usage one to three days late; a week without a new day means a feed stopped.
USAGE_MAX_DELAY_DAYS = 7
COLUMNS = (
    "usage_date", "tool", "department_id", "department_name", "capability", "people", "seats", "daily_active_users",
    "weekly_active_users", "monthly_active_users", "activation_rate", "stickiness", "intensity", "intensity_unit",
    "idle_seats", "idle_seat_monthly_cost_eur", "acceptance_rate", "chat_code_insertions", "is_suppressed",
    "usage_history_from", "status", "status_reason",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("usage_date", "tool", "department_id")),
        *not_null("usage_date", "tool", "department_id", "is_suppressed"),
        departments_known("department_id", ctx),
        Expect("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["ok", "insufficient_data"]},
               label="range: status (insufficient_data before the tool's usage history)"),
        *(between(c, 0, 1) for c in ("activation_rate", "stickiness", "acceptance_rate")),
        *(between(c, 0, None) for c in ("seats", "daily_active_users", "idle_seats", "idle_seat_monthly_cost_eur", "intensity",
                                        "chat_code_insertions")),
        *volume(ctx, RELATION, USAGE_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="range: DAU <= WAU <= MAU and idle seats <= seats",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where daily_active_users > weekly_active_users or weekly_active_users > monthly_active_users
                   or idle_seats > seats
            """,
        ),
        SqlExpect(
            # The same seats appear in the fragmentation mart: its month-end seats per tool must be
            # the sum over departments here on the month's last reported day, where both are published.
            label="consistency: month-end seats equal silo.ai_tool_fragmentation seats",
            sql=f"""
                with month_end as (
                    select date_trunc('month', usage_date) as month_start, max(usage_date) as last_day
                    from {{marts}}.{RELATION} group by 1
                ),
                usage_seats as (
                    select date_trunc('month', u.usage_date) as month_start, u.tool, sum(u.seats) as seats,
                           count(*) filter (where u.is_suppressed) as hidden
                    from {{marts}}.{RELATION} u
                    join month_end m on m.last_day = u.usage_date
                    group by 1, 2
                ),
                mismatches as (
                    select f.month_start, f.tool, f.seats, u.seats as usage_seats
                    from {{marts}}.ai_tool_fragmentation f
                    left join usage_seats u on u.month_start = f.month_start and u.tool = f.tool
                    where not f.is_suppressed and coalesce(u.hidden, 0) = 0 and f.seats <> coalesce(u.seats, 0)
                )
                select count(*) || ' month x tool mismatches', count(*) = 0 from mismatches
            """,
        ),
        freshness(ctx, RELATION, "usage_date", USAGE_MAX_DELAY_DAYS, USAGE_TABLES),
        *volume(ctx, RELATION, USAGE_TABLES)[1],
    ]
