"""adoption.training_monthly: AI training participation, completion and skill gain per month x department."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import (
    TRAINING_TABLES,
    between,
    departments_known,
    freshness,
    grain,
    not_null,
    schema,
    volume,
)

TABLE = "adoption.training_monthly"
RELATION = "training_monthly"
MAX_DELAY_DAYS = 62
COLUMNS = (
    "month_start", "is_complete", "department_id", "department_name", "headcount", "participants", "completers",
    "participation_rate", "completion_rate", "module_starts_in_month", "module_completions_in_month",
    "skill_gain_people", "skill_gain_points", "is_skill_gain_suppressed", "use_case_proposals",
    "use_case_proposals_implemented", "ai_tool_tickets", "ai_active_people", "supported_use_per_100_active",
    "champions", "is_suppressed",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "department_id")),
        *not_null("month_start", "is_complete", "department_id", "headcount", "is_suppressed"),
        departments_known("department_id", ctx),
        between("participation_rate", 0, 1),
        between("completion_rate", 0, 1),
        between("skill_gain_points", -100, 100),
        *volume(ctx, RELATION, TRAINING_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="range: completers <= participants <= headcount",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where completers > participants or participants > headcount
                   or use_case_proposals_implemented > use_case_proposals
                   or champions > headcount or supported_use_per_100_active < 0
            """,
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, TRAINING_TABLES),
        *volume(ctx, RELATION, TRAINING_TABLES)[1],
    ]
