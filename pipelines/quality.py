"""Runs a published table's great-expectations suite against the working warehouse and keeps the result.

The table travels DuckDB -> Arrow -> pandas (GX's SQL engine cannot read DuckDB); aggregates that
need other tables run as SQL in DuckDB. Every outcome is written to `meta.check_results`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from types import ModuleType

import duckdb

from expectations.spec import BLOCKING, Outcome, SuiteContext

PRIVACY_K_VARIABLE = "ARCHIPELAGO_PRIVACY_K"
TODAY_VARIABLE = "ARCHIPELAGO_TODAY"  # reference date for freshness (tests, replays); default today
VOLUME_MIN_VARIABLE = "ARCHIPELAGO_VOLUME_MIN_RATIO"
VOLUME_MAX_VARIABLE = "ARCHIPELAGO_VOLUME_MAX_RATIO"


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a number") from exc


def previous_row_count(published_file: Path, table: str) -> int | None:
    """Rows of `table` in the last good publication; None when there is none yet."""
    if not published_file.exists():
        return None
    conn = duckdb.connect(str(published_file), read_only=True)
    try:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]
    except duckdb.CatalogException:
        return None
    finally:
        conn.close()


def suite_context(conn: duckdb.DuckDBPyConnection, published_file: Path, table: str) -> SuiteContext:
    try:
        departments = frozenset(r[0] for r in conn.execute("select department_id from marts.dim_department").fetchall())
    except duckdb.CatalogException:
        departments = frozenset()
    today = os.environ.get(TODAY_VARIABLE, "").strip()
    return SuiteContext(
        privacy_k=int(os.environ.get(PRIVACY_K_VARIABLE, "5") or 5),
        department_ids=departments,
        previous_row_count=previous_row_count(published_file, table),
        volume_min_ratio=_float_env(VOLUME_MIN_VARIABLE, 0.5),
        volume_max_ratio=_float_env(VOLUME_MAX_VARIABLE, 2.0),
        today=dt.date.fromisoformat(today) if today else dt.date.today(),
    )


def run_suite(
    conn: duckdb.DuckDBPyConnection, table: str, relation: str, suite: ModuleType, ctx: SuiteContext
) -> list[Outcome]:
    from expectations.runner import validate_dataframe  # noqa: PLC0415  (imports great_expectations)

    frame = conn.execute(f"select * from {relation}").arrow().read_all().to_pandas(date_as_object=False)
    outcomes = validate_dataframe(table, frame, suite.expectations(ctx))
    schema = relation.split(".")[0]
    for check in getattr(suite, "sql_expectations", lambda _ctx: [])(ctx):
        try:
            observed, success = conn.execute(check.sql.format(marts=schema)).fetchone()
            outcomes.append(Outcome(table, check.label, check.severity, bool(success), str(observed)))
        except duckdb.Error as exc:
            outcomes.append(Outcome(table, check.label, check.severity, False, f"query failed: {exc}"))
    return outcomes


def record_outcomes(conn: duckdb.DuckDBPyConnection, run_id: str | None, outcomes: list[Outcome]) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn.executemany(
        "insert into meta.check_results values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, now, o.table, o.expectation, o.severity, o.success, o.observed_value[:4000], json.dumps(o.details, default=str))
            for o in outcomes
        ],
    )


def blocking_failures(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if not o.success and o.severity == BLOCKING]


def failed_checks(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str, str, str]]:
    """(table, expectation, severity, observed value) of every failed check of a run."""
    return conn.execute(
        "select table_name, expectation, severity, observed_value from meta.check_results "
        "where run_id = ? and not success order by severity, table_name, expectation",
        [run_id],
    ).fetchall()
