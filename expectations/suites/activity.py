"""Freshness that fits the organisation: a mart is compared with the activity of its sources.

A small company may close no epic for two months, or run no survey for a quarter: a mart that ends
where its sources' activity ends is current. What is stale is a mart behind its own sources, or
sources that stopped landing. So a mart is fresh when both hold:
- its latest period is within `max_delay_days` of the latest activity in its source rows (or of
  today, when the sources are more recent than that);
- its sources were landed successfully within `max_delay_days` of today (a source never landed is
  not configured: its marts are empty by design).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from expectations.spec import SqlExpect, SuiteContext

# The date a source row records activity on, per raw table the marts read.
ACTIVITY_COLUMNS: Mapping[str, str] = {
    "raw_github_copilot.user_day_usage": "day",
    "raw_m365_copilot.usage_user_detail": "last_activity_date",
    "raw_openai.completions_usage": "day",
    "raw_typeform.answers": "submitted_at",
    "raw_qualtrics.answers": "submitted_at",
    "raw_survey_csv.answers": "submitted_at",
    "raw_training_csv.enrolments": "greatest(started_on, completed_on)",
    "raw_jira.issues": "updated_at",
    "raw_zendesk.tickets": "updated_at",
    "raw_servicenow.incidents": "sys_updated_on",
}


def latest_activity_sql(raw_tables: Sequence[str]) -> str:
    """The latest activity date in any of `raw_tables` (NULL when they are empty)."""
    parts = " union all ".join(f"select max(cast({ACTIVITY_COLUMNS[t]} as date)) as d from {t}" for t in raw_tables)
    return f"(select max(d) from ({parts}))"


def _sources(raw_tables: Sequence[str]) -> str:
    return ", ".join(sorted({f"'{t.split('.')[0].removeprefix('raw_')}'" for t in raw_tables}))


def activity_freshness(ctx: SuiteContext, relation: str, column: str, max_delay_days: int,
                       raw_tables: Sequence[str], activity_sql: str | None = None) -> SqlExpect:
    """`relation`'s latest `column` keeps up with its sources (module docstring). `activity_sql` is a
    scalar subquery of the latest relevant source date (default: any row of `raw_tables`)."""
    today = ctx.today.isoformat()
    oldest_landing = (ctx.today - dt.timedelta(days=max_delay_days)).isoformat()
    activity = activity_sql or latest_activity_sql(raw_tables)
    landed = (f"(select max(cast(finished_at as date)) from meta.ingestion_runs "
              f"where status = 'succeeded' and source in ({_sources(raw_tables)}))")
    latest = f"(select max(cast({column} as date)) from {{marts}}.{relation})"
    return SqlExpect(
        label=f"freshness: latest {column} not before {max_delay_days} days before its sources' latest activity",
        details={"kind": "freshness", "column": column, "max_delay_days": max_delay_days, "relative_to": "source activity"},
        sql=f"""
            with f as (select {latest} as latest, {activity} as activity, {landed} as landed)
            select
                'latest ' || coalesce(cast(latest as varchar), 'none')
                    || '; sources: latest activity ' || coalesce(cast(activity as varchar), 'none')
                    || ', last landed ' || coalesce(cast(landed as varchar), 'never'),
                (landed is null or landed >= date '{oldest_landing}')
                and (activity is null
                     or coalesce(latest >= least(activity, date '{today}') - interval {max_delay_days} day, false))
            from f
        """,
    )
