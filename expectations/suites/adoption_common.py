"""Shared pieces of the adoption, value-chain and KPI suites.

A mart whose sources were never landed (a deployment without that vendor) is rightly empty, so the
volume expectation holds "unless none of the mart's raw tables has a row"; freshness is measured
against the activity of those tables (`expectations.suites.activity`).
"""

from __future__ import annotations

from collections.abc import Sequence

from expectations.spec import Expect, SqlExpect, SuiteContext, volume_expectation
from expectations.suites.activity import activity_freshness

USAGE_TABLES = ("raw_github_copilot.user_day_usage", "raw_m365_copilot.usage_user_detail", "raw_openai.completions_usage")
SURVEY_TABLES = ("raw_typeform.answers", "raw_qualtrics.answers", "raw_survey_csv.answers")
TRAINING_TABLES = ("raw_training_csv.enrolments",)
TICKET_TABLES = ("raw_zendesk.tickets",)


def landed_rows_sql(raw_tables: Sequence[str]) -> str:
    return " + ".join(f"(select count(*) from {t})" for t in raw_tables)


def volume(ctx: SuiteContext, relation: str, raw_tables: Sequence[str]) -> tuple[list[Expect], list[SqlExpect]]:
    """Row count band after a non-empty publication; before one, not empty unless nothing was landed."""
    if ctx.previous_row_count:
        return volume_expectation(ctx), []
    landed = landed_rows_sql(raw_tables)
    return [], [
        SqlExpect(
            label="volume: not empty when its sources were landed",
            sql=f"""
                select
                    (select count(*) from {{marts}}.{relation}) || ' rows, ' || ({landed}) || ' source rows landed',
                    (select count(*) from {{marts}}.{relation}) > 0 or ({landed}) = 0
            """,
        )
    ]


def freshness(ctx: SuiteContext, relation: str, column: str, max_delay_days: int, raw_tables: Sequence[str]) -> SqlExpect:
    """The latest period keeps up with its sources' activity, and they are landing (`activity_freshness`)."""
    return activity_freshness(ctx, relation, column, max_delay_days, raw_tables)


def schema(columns: Sequence[str]) -> Expect:
    return Expect("ExpectTableColumnsToMatchSet", {"column_set": list(columns), "exact_match": True}, label="schema: columns")


def grain(columns: Sequence[str]) -> Expect:
    return Expect(
        "ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)}, label=f"grain: {' x '.join(columns)} unique"
    )


def not_null(*columns: str) -> list[Expect]:
    return [Expect("ExpectColumnValuesToNotBeNull", {"column": c}, label=f"key not null: {c}") for c in columns]


def between(column: str, low: float | None, high: float | None) -> Expect:
    kwargs: dict = {"column": column}
    if low is not None:
        kwargs["min_value"] = low
    if high is not None:
        kwargs["max_value"] = high
    return Expect("ExpectColumnValuesToBeBetween", kwargs, label=f"range: {column} in [{low}, {high}]")


def departments_known(column: str, ctx: SuiteContext, extra: Sequence[str] = ()) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": sorted(set(ctx.department_ids) | set(extra))},
        label=f"referential integrity: {column} in dim_department",
    )

