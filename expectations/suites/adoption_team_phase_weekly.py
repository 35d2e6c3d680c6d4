"""adoption.team_phase_weekly: adoption phase and WAU share per week x tool x team."""

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

TABLE = "adoption.team_phase_weekly"
RELATION = "team_phase_weekly"
# Complete weeks only: the latest is at most a week plus the vendors' reporting lag old.
MAX_DELAY_DAYS = 17
PHASES = ["not_started", "awareness", "pilot", "scaling", "embedded"]
COLUMNS = (
    "week_start", "tool", "department_id", "team_id", "team_name", "headcount", "seat_holders", "trained_people",
    "weekly_active_users", "wau_share", "consecutive_embedded_weeks", "adoption_phase", "is_suppressed",
    "usage_history_from", "status", "status_reason",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("week_start", "tool", "team_id")),
        *not_null("week_start", "tool", "team_id", "department_id", "is_suppressed"),
        departments_known("department_id", ctx),
        Expect("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["ok", "insufficient_data"]},
               label="range: status (insufficient_data before the tool's usage history)"),
        between("wau_share", 0, 1),
        Expect("ExpectColumnValuesToBeInSet", {"column": "adoption_phase", "value_set": PHASES}, label="range: phase in the four-phase model"),
        *volume(ctx, RELATION, USAGE_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="consistency: embedded only after the configured run of weeks at the embedded share",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where adoption_phase = 'embedded' and (consecutive_embedded_weeks < 1 or wau_share < 0.5)
            """,
        ),
        freshness(ctx, RELATION, "week_start", MAX_DELAY_DAYS, USAGE_TABLES),
        *volume(ctx, RELATION, USAGE_TABLES)[1],
    ]
