"""silo.ai_tool_fragmentation: departments per AI tool, island tools and duplicate licence spend per month."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.adoption_common import (
    USAGE_TABLES,
    between,
    freshness,
    grain,
    not_null,
    schema,
    volume,
)

TABLE = "silo.ai_tool_fragmentation"
RELATION = "ai_tool_fragmentation"
MAX_DELAY_DAYS = 45
COLUMNS = (
    "month_start", "is_complete", "capability", "tool", "vendor", "tools_in_capability", "departments", "department_names",
    "people", "seats", "active_users", "is_island", "island_department_id", "duplicate_spend_eur", "is_suppressed",
)


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        schema(COLUMNS),
        grain(("month_start", "capability", "tool")),
        *not_null("month_start", "is_complete", "capability", "tool", "is_island", "is_suppressed"),
        Expect("ExpectColumnValuesToBeInSet",
               {"column": "island_department_id", "value_set": sorted(ctx.department_ids)},
               label="referential integrity: island_department_id in dim_department"),
        between("duplicate_spend_eur", 0, None),
        between("departments", 0, None),
        *volume(ctx, RELATION, USAGE_TABLES)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            label="consistency: an island serves one department and has a sibling tool of its capability",
            sql=f"""
                select count(*), count(*) = 0 from {{marts}}.{RELATION}
                where is_island and (departments <> 1 or tools_in_capability < 2 or island_department_id is null)
            """,
        ),
        SqlExpect(
            label="consistency: duplicate spend only on islands",
            sql=f"select count(*), count(*) = 0 from {{marts}}.{RELATION} where not is_island and duplicate_spend_eur <> 0",
        ),
        freshness(ctx, RELATION, "month_start", MAX_DELAY_DAYS, USAGE_TABLES),
        *volume(ctx, RELATION, USAGE_TABLES)[1],
    ]
