"""How a suite is written: plain data, bound to the facts of one run through `SuiteContext`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

BLOCKING = "blocking"  # a failure stops publication
WARNING = "warning"  # a failure is reported, publication goes on


@dataclass(frozen=True)
class Expect:
    """One great-expectations expectation, by its class name (e.g. `ExpectColumnValuesToNotBeNull`)."""

    type: str
    kwargs: dict[str, Any]
    severity: str = BLOCKING
    label: str = ""  # short human name, e.g. "grain unique"; defaults to the type

    @property
    def name(self) -> str:
        return self.label or self.type


@dataclass(frozen=True)
class SqlExpect:
    """A check whose aggregate is computed in DuckDB: `sql` returns one row (observed_value, success).

    Used where a figure needs other tables (cross-table consistency) or would be costly in pandas.
    Relations are written as `{marts}` placeholders resolved by the caller.
    """

    label: str
    sql: str
    severity: str = BLOCKING
    details: dict[str, Any] = field(default_factory=dict, compare=False)  # what it looks at (kept in check_results)


@dataclass(frozen=True)
class SuiteContext:
    """Facts of the run a suite's thresholds depend on."""

    privacy_k: int = 5
    department_ids: frozenset[str] = frozenset()
    previous_row_count: int | None = None  # in the last good publication, None if never published
    volume_min_ratio: float = 0.5
    volume_max_ratio: float = 2.0
    today: dt.date = field(default_factory=dt.date.today)
    # Periods (days, weeks, months) the table covers now / in the last publication: a table that
    # grows by its calendar (a 12-day gap between refreshes adds 12 days of rows) scales its band.
    previous_period_count: int | None = None
    period_count: int | None = None

    @property
    def calendar_growth(self) -> float:
        """How much the table's calendar grew since the last publication (1.0 when unknown). Never
        below 1: a table that lost periods is held to the rows it had, so lost history still fails."""
        if not self.previous_period_count or not self.period_count:
            return 1.0
        return max(1.0, self.period_count / self.previous_period_count)


def volume_band(ctx: SuiteContext) -> tuple[int, int, str]:
    """(low, high, label) of the row count allowed after the last publication: the configured ratios
    around its rows, per period of the table's calendar, so rows per day (week, month) must stay in
    the band while new periods may add their rows."""
    growth = ctx.calendar_growth
    expected = ctx.previous_row_count * growth
    low = max(int(expected * ctx.volume_min_ratio), 1)
    high = int(expected * ctx.volume_max_ratio) + 1
    label = (f"volume: within {ctx.volume_min_ratio:g}x-{ctx.volume_max_ratio:g}x of last publication "
             f"({ctx.previous_row_count} rows")
    if growth != 1.0:
        label += f" over {ctx.previous_period_count} periods, now {ctx.period_count}"
    return low, high, label + ")"


@dataclass(frozen=True)
class Outcome:
    """The result of one expectation on one table, as stored in meta.check_results."""

    table: str
    expectation: str
    severity: str
    success: bool
    observed_value: str
    details: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        verdict = "passed" if self.success else "FAILED"
        return f"{self.table}: {self.expectation} {verdict} ({self.severity}); observed {self.observed_value}"


def volume_expectation(ctx: SuiteContext) -> list[Expect]:
    """Row count within the configured band around the last publication (none before the first)."""
    if ctx.previous_row_count is None or ctx.previous_row_count == 0:
        return [Expect("ExpectTableRowCountToBeBetween", {"min_value": 1}, label="volume: not empty")]
    low, high, label = volume_band(ctx)
    return [Expect("ExpectTableRowCountToBeBetween", {"min_value": low, "max_value": high}, label=label)]


def freshness_expectation(column: str, ctx: SuiteContext, *, max_delay_days: int) -> Expect:
    """The latest period in `column` is no older than the source's expected delay."""
    oldest_allowed = ctx.today - dt.timedelta(days=max_delay_days)
    return Expect(
        "ExpectColumnMaxToBeBetween",
        {"column": column, "min_value": dt.datetime.combine(oldest_allowed, dt.time())},
        label=f"freshness: latest {column} not before {oldest_allowed.isoformat()} ({max_delay_days} days)",
    )


# ---------------------------------------------------------------------------------------------
# Reusable patterns for suite authors. SQL helpers return `SqlExpect`s whose `{relation}` is the
# suite's own working table and `{marts}` its schema (both filled in by the runner): they scan the
# whole table in DuckDB, so they stay cheap on large marts and are not affected by a suite
# validating only its recent periods on the GX side (`PERIOD_COLUMN`, see `pipelines.quality`).
# ---------------------------------------------------------------------------------------------

RELATION = "{relation}"
DEPARTMENT_DIMENSION = "{marts}.dim_department"


def _columns(columns: list[str] | tuple[str, ...] | str) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def grain_unique_sql(keys: list[str] | tuple[str, ...], *, relation: str = RELATION, severity: str = BLOCKING) -> SqlExpect:
    """One row per grain key, counted in DuckDB: observed = duplicated keys and an example."""
    keys = _columns(keys)
    key_list = ", ".join(keys)
    example = " || '|' || ".join(f"coalesce(cast({k} as varchar), 'NULL')" for k in keys)
    return SqlExpect(
        label=f"grain: {' x '.join(keys)} unique",
        details={"kind": "grain", "keys": keys},
        sql=f"""
            with dup as (select {key_list}, count(*) as n from {relation} group by all having count(*) > 1)
            select count(*) || ' duplicated grain keys'
                   || coalesce(', e.g. ' || (select {example} || ' x' || n from dup order by n desc limit 1), ''),
                   count(*) = 0
            from dup
        """,
        severity=severity,
    )


def keys_not_null_sql(keys: list[str] | tuple[str, ...], *, relation: str = RELATION, severity: str = BLOCKING) -> SqlExpect:
    """No grain key column is NULL: observed = NULL count per key column."""
    keys = _columns(keys)
    counts = ", ".join(f"count(*) filter (where {k} is null) as {k}" for k in keys)
    observed = " || ', ' || ".join(f"'{k}: ' || {k}" for k in keys)
    return SqlExpect(
        label=f"keys not null: {', '.join(keys)}",
        details={"kind": "not_null", "columns": keys},
        sql=f"select {observed}, {' + '.join(keys)} = 0 from (select {counts} from {relation})",
        severity=severity,
    )


def rate_between(column: str, min_value: float = 0.0, max_value: float = 1.0, *, severity: str = BLOCKING,
                 mostly: float | None = None) -> Expect:
    """A rate/share/score column within [min_value, max_value] (NULLs allowed: suppressed or undefined)."""
    kwargs: dict[str, Any] = {"column": column, "min_value": min_value, "max_value": max_value}
    if mostly is not None:
        kwargs["mostly"] = mostly
    return Expect("ExpectColumnValuesToBeBetween", kwargs, severity=severity,
                  label=f"range: {column} between {min_value:g} and {max_value:g}")


def rate_between_sql(column: str, min_value: float = 0.0, max_value: float = 1.0, *, relation: str = RELATION,
                     severity: str = BLOCKING) -> SqlExpect:
    """The same range check on the whole table in DuckDB: observed = rows outside, min and max seen."""
    return SqlExpect(
        label=f"range: {column} between {min_value:g} and {max_value:g}",
        details={"kind": "range", "column": column, "min_value": min_value, "max_value": max_value},
        sql=f"""
            select count(*) filter (where {column} < {min_value!r} or {column} > {max_value!r}) || ' rows outside'
                   || ' (min ' || coalesce(cast(min({column}) as varchar), 'NULL')
                   || ', max ' || coalesce(cast(max({column}) as varchar), 'NULL') || ')',
                   count(*) filter (where {column} < {min_value!r} or {column} > {max_value!r}) = 0
            from {relation}
        """,
        severity=severity,
    )


def referential_integrity_sql(column: str, *, dimension: str = DEPARTMENT_DIMENSION, dimension_column: str = "department_id",
                              relation: str = RELATION, severity: str = BLOCKING) -> SqlExpect:
    """Every non-NULL `column` value exists in the dimension (default: org.dim_department)."""
    return SqlExpect(
        label=f"referential integrity: {column} in {dimension.replace('{marts}', 'marts')}",
        details={"kind": "referential_integrity", "column": column, "dimension": dimension},
        sql=f"""
            with orphan as (
                select distinct t.{column} as value from {relation} t
                where t.{column} is not null
                  and not exists (select 1 from {dimension} d where d.{dimension_column} = t.{column}))
            select count(*) || ' unknown values'
                   || coalesce(', e.g. ' || (select string_agg(cast(value as varchar), ', ')
                                              from (select value from orphan order by value limit 5)), ''),
                   count(*) = 0
            from orphan
        """,
        severity=severity,
    )


def department_in_dimension(column: str, ctx: SuiteContext, *, severity: str = BLOCKING) -> Expect:
    """GX form of the department foreign key, against the dimension's ids read for this run."""
    return Expect("ExpectColumnValuesToBeInSet", {"column": column, "value_set": sorted(ctx.department_ids)},
                  severity=severity, label=f"referential integrity: {column} in dim_department")


def volume_sql(ctx: SuiteContext, *, relation: str = RELATION, severity: str = BLOCKING) -> SqlExpect:
    """`volume_expectation` counted in DuckDB over the whole table (use it when a suite validates only
    its recent periods in GX, where the frame's row count is not the table's)."""
    if not ctx.previous_row_count:
        low, high, label = 1, None, "volume: not empty"
    else:
        low, high, label = volume_band(ctx)
    upper = f" and count(*) <= {high}" if high is not None else ""
    return SqlExpect(
        label=label,
        sql=f"select count(*) || ' rows', count(*) >= {low}{upper} from {relation}",
        details={"kind": "volume", "min_value": low, "max_value": high},
        severity=severity,
    )


def freshness_sql(column: str, ctx: SuiteContext, *, max_delay_days: int, relation: str = RELATION,
                  severity: str = BLOCKING) -> SqlExpect:
    """`freshness_expectation` in DuckDB: the latest `column` is no older than `max_delay_days`."""
    oldest_allowed = ctx.today - dt.timedelta(days=max_delay_days)
    return SqlExpect(
        label=f"freshness: latest {column} not before {oldest_allowed.isoformat()} ({max_delay_days} days)",
        details={"kind": "freshness", "column": column, "min_value": oldest_allowed.isoformat()},
        sql=f"""
            select 'latest ' || coalesce(cast(max({column}) as varchar), 'NULL'),
                   coalesce(cast(max({column}) as date) >= date '{oldest_allowed.isoformat()}', false)
            from {relation}
        """,
        severity=severity,
    )


def consistency_sql(label: str, left_sql: str, right_sql: str, *, tolerance: float = 0.0,
                    severity: str = BLOCKING) -> SqlExpect:
    """Two scalar queries that state the same figure agree within `tolerance` (absolute).

    Each side is a SQL expression returning one number, e.g.
    `"(select sum(handoffs) from {marts}.handoffs_weekly)"`. NULL on both sides counts as equal.
    """
    return SqlExpect(
        label=f"consistency: {label}",
        details={"kind": "consistency", "tolerance": tolerance},
        sql=f"""
            select coalesce(cast(l as varchar), 'NULL') || ' vs ' || coalesce(cast(r as varchar), 'NULL'),
                   (l is null and r is null) or coalesce(abs(l - r) <= {tolerance!r}, false)
            from (select ({left_sql}) as l, ({right_sql}) as r)
        """,
        severity=severity,
    )
