"""Runs a published table's great-expectations suite against the working warehouse and keeps the result.

The table travels DuckDB -> Arrow -> pandas (GX's SQL engine cannot read DuckDB); aggregates that
need other tables run as SQL in DuckDB. Every outcome is written to `meta.check_results`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from types import ModuleType

import duckdb

from expectations.spec import BLOCKING, Expect, Outcome, SqlExpect, SuiteContext

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


def privacy_k() -> int:
    """The privacy floor k (ARCHIPELAGO_PRIVACY_K, default 5), the same value dbt suppresses with."""
    raw = os.environ.get(PRIVACY_K_VARIABLE, "").strip() or "5"
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{PRIVACY_K_VARIABLE}={raw!r} is not a whole number of people (1 or more)")
    return int(raw)


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


# The calendar column of a periodic mart, by the names the marts use (a suite may name its own with
# PERIOD_COLUMN): the volume band scales with the periods the table covers (see volume_band).
PERIOD_COLUMNS = ("usage_date", "week_start", "month_start")


def _period_column(conn: duckdb.DuckDBPyConnection, relation: str, declared: str | None) -> str | None:
    schema, name = relation.split(".", 1)
    columns = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name]).fetchall()}
    return next((c for c in ((declared,) if declared else PERIOD_COLUMNS) if c in columns), None)


def period_count(conn: duckdb.DuckDBPyConnection, relation: str, column: str) -> int | None:
    try:
        return conn.execute(f"select count(distinct {column}) from {relation}").fetchone()[0]
    except duckdb.Error:
        return None


def previous_period_count(published_file: Path, table: str, column: str) -> int | None:
    """Distinct periods of `table` in the last good publication; None when there is none yet."""
    if not published_file.exists():
        return None
    conn = duckdb.connect(str(published_file), read_only=True)
    try:
        return period_count(conn, table, column)
    finally:
        conn.close()


def suite_context(conn: duckdb.DuckDBPyConnection, published_file: Path, table: str,
                  relation: str | None = None, period_column: str | None = None) -> SuiteContext:
    """The facts a suite's thresholds follow. With the working `relation`, a periodic mart's volume band
    scales with the periods it covers now against the last publication (a gap between refreshes)."""
    column = _period_column(conn, relation, period_column) if relation else None
    try:
        departments = frozenset(r[0] for r in conn.execute("select department_id from marts.dim_department").fetchall())
    except duckdb.CatalogException:
        departments = frozenset()
    today = os.environ.get(TODAY_VARIABLE, "").strip()
    return SuiteContext(
        privacy_k=privacy_k(),
        department_ids=departments,
        previous_row_count=previous_row_count(published_file, table),
        volume_min_ratio=_float_env(VOLUME_MIN_VARIABLE, 0.5),
        volume_max_ratio=_float_env(VOLUME_MAX_VARIABLE, 2.0),
        today=dt.date.fromisoformat(today) if today else dt.date.today(),
        previous_period_count=previous_period_count(published_file, table, column) if column else None,
        period_count=period_count(conn, relation, column) if column else None,
    )


RECENT_DAYS_VARIABLE = "ARCHIPELAGO_VALIDATE_RECENT_DAYS"
DEFAULT_RECENT_DAYS = 92


def recent_days() -> int:
    """How many days back from a periodic mart's latest period GX validates row by row (0 = all rows)."""
    return int(_float_env(RECENT_DAYS_VARIABLE, DEFAULT_RECENT_DAYS))


def rows_to_validate(relation: str, suite: ModuleType) -> str:
    """The SQL of the rows GX reads: the whole table, or, for a suite that declares `PERIOD_COLUMN`,
    only its latest periods (`ARCHIPELAGO_VALIDATE_RECENT_DAYS`, default 92). Older periods were
    validated when they were new; whole-table aggregates (grain, volume, consistency) run in SQL."""
    column = getattr(suite, "PERIOD_COLUMN", None)
    days = int(getattr(suite, "VALIDATE_RECENT_DAYS", 0) or recent_days())
    if not column or days <= 0:
        return f"select * from {relation}"
    return (
        f"select * from {relation} where cast({column} as date) >= "
        f"(select cast(max({column}) as date) from {relation}) - interval {days} day"
    )


def run_sql_expectations(conn: duckdb.DuckDBPyConnection, table: str, relation: str, checks) -> list[Outcome]:
    """Each `SqlExpect` in DuckDB; `{marts}` is the relation's schema and `{relation}` the relation."""
    schema = relation.split(".")[0]
    outcomes = []
    for check in checks:
        started = time.perf_counter()
        try:
            observed, success = conn.execute(check.sql.format(marts=schema, relation=relation)).fetchone()
            outcome = Outcome(table, check.label, check.severity, bool(success), str(observed))
        except duckdb.Error as exc:
            outcome = Outcome(table, check.label, check.severity, False, f"query failed: {exc}")
        outcome.details.update({**check.details, "engine": "duckdb", "seconds": round(time.perf_counter() - started, 4)})
        outcomes.append(outcome)
    return outcomes


def _row_count_in_sql(expect: Expect) -> SqlExpect:
    low, high = expect.kwargs.get("min_value"), expect.kwargs.get("max_value")
    bounds = [f"count(*) >= {int(low)}" if low is not None else "true",
              f"count(*) <= {int(high)}" if high is not None else "true"]
    return SqlExpect(expect.name, f"select count(*) || ' rows', {' and '.join(bounds)} from {{relation}}", expect.severity)


def run_suite(
    conn: duckdb.DuckDBPyConnection, table: str, relation: str, suite: ModuleType, ctx: SuiteContext
) -> list[Outcome]:
    expectations = suite.expectations(ctx)
    outcomes: list[Outcome] = []
    if expectations:
        from expectations.runner import validate_dataframe  # noqa: PLC0415  (imports great_expectations)

        query = rows_to_validate(relation, suite)
        if " where " in query:
            # The frame holds recent periods only: a row-count expectation must see the whole table.
            counted = [e for e in expectations if e.type == "ExpectTableRowCountToBeBetween"]
            expectations = [e for e in expectations if e.type != "ExpectTableRowCountToBeBetween"]
            sql_counts = [_row_count_in_sql(e) for e in counted]
        else:
            sql_counts = []
        frame = conn.execute(query).arrow().read_all().to_pandas(date_as_object=False)
        outcomes = validate_dataframe(table, frame, expectations)
        for outcome in outcomes:
            outcome.details.update({"engine": "great_expectations", "rows_validated": len(frame)})
        outcomes += run_sql_expectations(conn, table, relation, sql_counts)
    outcomes += run_sql_expectations(conn, table, relation, getattr(suite, "sql_expectations", lambda _ctx: [])(ctx))
    return outcomes


def record_outcomes(conn: duckdb.DuckDBPyConnection, run_id: str | None, outcomes: list[Outcome]) -> None:
    if not outcomes:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # One statement for all rows: DuckDB's executemany costs ~0.1 s a row (seconds per suite).
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(outcomes))
    conn.execute(
        f"insert into meta.check_results values {values}",
        [
            value
            for o in outcomes
            for value in (run_id, now, o.table, o.expectation, o.severity, o.success, o.observed_value[:4000],
                          json.dumps(o.details, default=str))
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


# --- Data docs: static HTML of the validation results, under $ARCHIPELAGO_HOME/data_docs -------------
# Generated from meta.check_results (the same rows `archipelago status` reads) rather than through a
# file-backed GX context: a GX checkpoint + site builder costs seconds per suite, this costs two queries.

DATA_DOCS_DIR = "data_docs"
DATA_DOCS_RUNS = 30  # runs listed on the index page


def data_docs_index(home: Path) -> Path:
    return home / DATA_DOCS_DIR / "index.html"


def _html(value) -> str:
    import html  # noqa: PLC0415

    return html.escape("" if value is None else str(value))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}"
    ".fail{background:#fde2e2}.warn{background:#fff4d6}.ok{background:#e6f4ea}code{white-space:pre-wrap}</style>"
)


def _run_page_name(run_id: str) -> str:
    return f"run_{''.join(c for c in str(run_id) if c.isalnum() or c in '-_')}.html"


def write_data_docs(conn: duckdb.DuckDBPyConnection, home: Path, run_id: str | None) -> Path:
    """Rewrite the page of `run_id` and the index from meta.check_results; returns the index path."""
    docs = home / DATA_DOCS_DIR
    if run_id is not None:
        rows = conn.execute(
            "select table_name, expectation, severity, success, observed_value, details, checked_at "
            "from meta.check_results where run_id = ? order by table_name, success, severity, expectation",
            [run_id],
        ).fetchall()
        body = [f"<h1>Validation results of run {_html(run_id)}</h1><p><a href='index.html'>all runs</a></p>"]
        current = None
        for table, expectation, severity, success, observed, details, checked_at in rows:
            if table != current:
                if current is not None:
                    body.append("</table>")
                body.append(f"<h2 id='{_html(table)}'>{_html(table)}</h2><p>checked at {_html(checked_at)} UTC</p>"
                            "<table><tr><th>expectation</th><th>severity</th><th>result</th><th>observed</th>"
                            "<th>details</th></tr>")
                current = table
            css = "ok" if success else ("fail" if severity == BLOCKING else "warn")
            body.append(
                f"<tr class='{css}'><td>{_html(expectation)}</td><td>{_html(severity)}</td>"
                f"<td>{'passed' if success else 'FAILED'}</td><td><code>{_html(observed)}</code></td>"
                f"<td><code>{_html(details)}</code></td></tr>"
            )
        if current is not None:
            body.append("</table>")
        _write_atomically(docs / _run_page_name(run_id), f"<!doctype html><meta charset='utf-8'>{_STYLE}" + "".join(body))
    runs = conn.execute(
        "select run_id, max(checked_at), count(*), count(*) filter (where success), "
        "count(*) filter (where not success and severity = 'blocking'), "
        "count(*) filter (where not success and severity <> 'blocking'), "
        "string_agg(distinct table_name, ', ' order by table_name) filter (where not success and severity = 'blocking') "
        "from meta.check_results where run_id is not null group by run_id order by 2 desc limit ?",
        [DATA_DOCS_RUNS],
    ).fetchall()
    body = ["<h1>Archipelago quality gate: validation results</h1>",
            "<p>One row per run that validated the warehouse; a run with a failed blocking expectation did not "
            "publish. Source: <code>meta.check_results</code> in the working warehouse.</p>",
            "<table><tr><th>run</th><th>checked at (UTC)</th><th>expectations</th><th>passed</th>"
            "<th>failed blocking</th><th>failed warning</th><th>blocked tables</th></tr>"]
    for rid, at, total, passed, blocking, warning, tables in runs:
        css = "fail" if blocking else ("warn" if warning else "ok")
        body.append(
            f"<tr class='{css}'><td><a href='{_run_page_name(rid)}'>{_html(rid)}</a></td><td>{_html(at)}</td>"
            f"<td>{total}</td><td>{passed}</td><td>{blocking}</td><td>{warning}</td><td>{_html(tables or '')}</td></tr>"
        )
    body.append("</table>")
    index = data_docs_index(home)
    _write_atomically(index, f"<!doctype html><meta charset='utf-8'>{_STYLE}" + "".join(body))
    return index
