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


@dataclass(frozen=True)
class SuiteContext:
    """Facts of the run a suite's thresholds depend on."""

    privacy_k: int = 5
    department_ids: frozenset[str] = frozenset()
    previous_row_count: int | None = None  # in the last good publication, None if never published
    volume_min_ratio: float = 0.5
    volume_max_ratio: float = 2.0
    today: dt.date = field(default_factory=dt.date.today)


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
    low = int(ctx.previous_row_count * ctx.volume_min_ratio)
    high = int(ctx.previous_row_count * ctx.volume_max_ratio) + 1
    return [
        Expect(
            "ExpectTableRowCountToBeBetween",
            {"min_value": max(low, 1), "max_value": high},
            label=f"volume: within {ctx.volume_min_ratio:g}x-{ctx.volume_max_ratio:g}x of last publication "
            f"({ctx.previous_row_count} rows)",
        )
    ]


def freshness_expectation(column: str, ctx: SuiteContext, *, max_delay_days: int) -> Expect:
    """The latest period in `column` is no older than the source's expected delay."""
    oldest_allowed = ctx.today - dt.timedelta(days=max_delay_days)
    return Expect(
        "ExpectColumnMaxToBeBetween",
        {"column": column, "min_value": dt.datetime.combine(oldest_allowed, dt.time())},
        label=f"freshness: latest {column} not before {oldest_allowed.isoformat()} ({max_delay_days} days)",
    )
