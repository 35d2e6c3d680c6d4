"""adoption.usage_segments_monthly: power / habitual / occasional / licensed-inactive people per month x tool x department."""

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

TABLE = "adoption.usage_segments_monthly"
RELATION = "usage_segments_monthly"
MAX_DELAY_DAYS = 62
COLUMNS = (
    "month_start", "is_complete", "reference_date", "tool", "department_id", "department_name", "people", "seat_holders", "active_people",
    "power_users", "habitual_users", "occasional_users", "licensed_inactive", "habitual_or_power_share",
    "is_suppressed", "usage_history_from", "status", "status_reason",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "tool", "department_id")),
        *not_null("month_start", "is_complete", "tool", "department_id", "is_suppressed"),
        departments_known("department_id", ctx),
        between("habitual_or_power_share", 0, 1),
        Expect("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["ok", "insufficient_data"]},
               label="range: status (insufficient_data before the tool's usage history)"),
        *volume(ctx, RELATION, USAGE_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            # Rows below the privacy floor are suppressed (the privacy check) and months before the usage
            # history are unknown; every other row has its counts.
            label="key not null: active_people where published and known",
            sql=f"select count(*) || ' rows', count(*) = 0 from {{marts}}.{RELATION} "
                "where not is_suppressed and status = 'ok' and active_people is null",
        ),
        SqlExpect(
            label="consistency: the four segments add up to the people counted, active ones to active_people",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where power_users + habitual_users + occasional_users <> active_people
                   or power_users + habitual_users + occasional_users + licensed_inactive <> people
                   or power_users + habitual_users + occasional_users + licensed_inactive < seat_holders
                   or licensed_inactive > seat_holders
            """,
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, USAGE_TABLES),
        *volume(ctx, RELATION, USAGE_TABLES)[1],
    ]
