"""silo.epic_lead_time_monthly: lead time of cross-functional against single-department Jira epics."""

from expectations.spec import Expect, SqlExpect, SuiteContext
from expectations.suites.silo_common import freshness, volume

TABLE = "silo.epic_lead_time_monthly"
RELATION = "epic_lead_time_monthly"
# The latest month keeps up with the latest resolved epic: a small organisation may close none for
# months, which is no staleness; Jira must still be landing (expectations.suites.activity).
EPICS_MAX_DELAY_DAYS = 62
LATEST_RESOLVED_EPIC = "(select max(cast(resolved_at as date)) from raw_jira.issues where issue_type = 'Epic')"
RESOLVED_EPICS = "(select count(*) from raw_jira.issues where issue_type = 'Epic' and resolved_at is not null)"


def expectations(ctx: SuiteContext) -> list[Expect]:
    return [
        Expect(
            "ExpectTableColumnsToMatchSet",
            {
                "column_set": [
                    "month_start", "is_complete", "is_cross_functional", "epics_resolved", "departments_per_epic_mean",
                    "lead_time_days_median", "lead_time_days_mean",
                ],
                "exact_match": True,
            },
            label="schema: columns",
        ),
        Expect("ExpectCompoundColumnsToBeUnique", {"column_list": ["month_start", "is_cross_functional"]},
               label="grain: month_start x is_cross_functional unique"),
        Expect("ExpectColumnValuesToNotBeNull", {"column": "month_start"}, label="key not null: month_start"),
        Expect("ExpectColumnValuesToNotBeNull", {"column": "is_cross_functional"}, label="key not null: is_cross_functional"),
        Expect("ExpectColumnValuesToBeBetween", {"column": "epics_resolved", "min_value": 1}, label="range: epics_resolved >= 1"),
        Expect("ExpectColumnValuesToBeBetween", {"column": "lead_time_days_median", "min_value": 0},
               label="range: lead_time_days_median >= 0"),
        *volume(ctx, RELATION, RESOLVED_EPICS)[0],
    ]


def sql_expectations(ctx: SuiteContext) -> list[SqlExpect]:
    return [
        SqlExpect(
            # Cross-functional epics have two or more departments, the others at most one.
            label="consistency: departments_per_epic_mean agrees with is_cross_functional",
            sql="""
                select count(*), count(*) = 0 from {marts}.epic_lead_time_monthly
                where (is_cross_functional and departments_per_epic_mean < 2)
                   or (not is_cross_functional and departments_per_epic_mean > 1)
            """,
        ),
        SqlExpect(
            label="consistency: every resolved epic landed is counted once",
            sql=f"""
                select
                    coalesce((select sum(epics_resolved) from {{marts}}.epic_lead_time_monthly), 0) || ' vs ' || {RESOLVED_EPICS},
                    coalesce((select sum(epics_resolved) from {{marts}}.epic_lead_time_monthly), 0) = {RESOLVED_EPICS}
            """,
        ),
        freshness(ctx, RELATION, "month_start", EPICS_MAX_DELAY_DAYS, LATEST_RESOLVED_EPIC, ("raw_jira.issues",)),
        *volume(ctx, RELATION, RESOLVED_EPICS)[1],
    ]
