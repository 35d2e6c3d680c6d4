"""What `archipelago status` shows: last runs, freshness per source, last publication, failing checks."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.publishing import PUBLISHED_FILE
from pipelines.warehouse import published_dir, warehouse_path


def _rows(conn, sql: str, params=None):
    try:
        return conn.execute(sql, params or []).fetchall()
    except duckdb.CatalogException:
        return []


def _failure_lines(home: Path) -> list[str]:
    from pipelines.sensors.failure_sensor import recent_failures  # noqa: PLC0415

    failures = recent_failures(home, limit=5)
    if not failures:
        return []
    lines = ["\nRecent failed runs:"]
    for f in failures:
        lines.append(f"  {f.run_id[:8]}  {f.job_name:<18} {f.error_class}: {(f.message or '')[:100]}")
    return lines


@dataclass
class RunSummary:
    run_id: str
    job_name: str
    status: str
    started: dt.datetime | None
    seconds: float | None
    failed_steps: list[str]


def dagster_runs(limit: int) -> list[RunSummary]:
    """The latest runs of the Dagster instance (DAGSTER_HOME): start, duration, outcome, failed steps."""
    import dagster as dg  # noqa: PLC0415

    instance = dg.DagsterInstance.get()
    runs = []
    for record in instance.get_run_records(limit=limit):
        run = record.dagster_run
        start, end = record.start_time, record.end_time
        failed = []
        if run.status == dg.DagsterRunStatus.FAILURE:
            failed = sorted({e.dagster_event.step_key for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
                             if e.dagster_event and e.dagster_event.step_key})
        runs.append(RunSummary(run.run_id, run.job_name, run.status.value,
                               dt.datetime.fromtimestamp(start, dt.UTC) if start else None,
                               (end - start) if start and end else None, failed))
    return runs


def _run_line(run: RunSummary) -> str:
    started = f"{run.started:%Y-%m-%d %H:%M} UTC" if run.started else "not started"
    took = f"{run.seconds:6.0f}s" if run.seconds is not None else "     -"
    failed = f"  failed step: {', '.join(run.failed_steps)}" if run.failed_steps else ""
    return f"  {run.run_id[:8]}  {run.job_name:<18} {started}  {took}  {run.status}{failed}"


def readable_cursor(state: str | None, width: int = 70) -> str:
    """A cursor as `key=value` pairs: long maps summarised by size and newest value, hashes shortened."""
    if not state:
        return "-"
    try:
        value = json.loads(state)
    except ValueError:
        return state[:width]
    if not isinstance(value, dict):
        return str(value)[:width]
    parts = []
    for key, item in value.items():
        if isinstance(item, dict):
            # Hashes (file fingerprints) have no order worth showing; times and dates do.
            newest = max((str(v) for v in item.values() if not isinstance(v, dict | list)
                          and not re.fullmatch(r"[0-9a-f]{32,}", str(v))), default="")
            parts.append(f"{key}: {len(item)} entr{'y' if len(item) == 1 else 'ies'}" + (f", newest {newest[:19]}" if newest else ""))
        elif isinstance(item, list):
            parts.append(f"{key}: {len(item)} item{'' if len(item) == 1 else 's'}")
        else:
            text = str(item)
            parts.append(f"{key}={text[:12] + '…' if len(text) > 24 else text}")
    line = "; ".join(parts)
    return line if len(line) <= width else line[: width - 1] + "…"


# The column of a raw table that says how recent its data are, most telling first.
DATA_TIME_COLUMNS = ("day", "report_refresh_date", "snapshot_date", "updated_at", "sys_updated_on", "submitted_at",
                     "changed_at", "created_at", "completed_on", "started_on", "valid_from")


def newest_data(conn) -> dict[str, dt.datetime]:
    """Source -> the newest date or time its raw tables hold (not when it was loaded)."""
    columns = _rows(conn, "select table_schema, table_name, column_name from information_schema.columns "
                          "where table_schema like 'raw\\_%' escape '\\' and data_type in ('DATE', 'TIMESTAMP', "
                          "'TIMESTAMP WITH TIME ZONE')")
    by_table: dict[tuple[str, str], set[str]] = {}
    for schema, table, name in columns:
        by_table.setdefault((schema, table), set()).add(name)
    newest: dict[str, dt.datetime] = {}
    for (schema, table), names in by_table.items():
        name = next((c for c in DATA_TIME_COLUMNS if c in names), None)
        if name is None:
            continue
        value = _rows(conn, f'select max("{name}")::timestamp from "{schema}"."{table}"')
        if value and value[0][0] is not None:
            source = schema.removeprefix("raw_")
            newest[source] = max(newest.get(source, value[0][0]), value[0][0])
    return newest


def _age(since: dt.datetime | None, now: dt.datetime) -> str:
    if since is None:
        return "unknown"
    hours = (now - since).total_seconds() / 3600
    return f"{hours:.0f} h old" if hours < 48 else f"{hours / 24:.0f} d old"


def _engine_line(home: Path) -> str:
    from connectors.errors import ConfigError  # noqa: PLC0415
    from pipelines.engines import get_engine  # noqa: PLC0415

    try:
        return get_engine(home).describe()
    except ConfigError as exc:
        return str(exc)


def status_lines(home: Path, dagster_runs: list[RunSummary] | None = None) -> list[str]:
    lines: list[str] = [f"Archipelago home: {home}", f"Engine: {_engine_line(home)}"]
    if dagster_runs:
        lines.append("\nLast runs (Dagster instance): id, job, start, duration, outcome")
        lines += [_run_line(run) for run in dagster_runs]
    lines += _failure_lines(home)
    from pipelines.run_lock import running  # noqa: PLC0415

    if holder := running(home):
        lines.append(f"\nRun in progress: {holder}")
    path = warehouse_path(home)
    if not path.exists():
        lines.append("\nNo warehouse yet: run `make demo` or `archipelago refresh`.")
        return lines
    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException:
        lines.append("\nThe warehouse is busy (a run is writing to it); try again when the run ends.")
        return lines
    try:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        newest = newest_data(conn)
        lines.append("\nSources: age of the newest data, last success, last failure (UTC)")
        sources = _rows(
            conn,
            "select source, max(finished_at) filter (where status = 'succeeded'), "
            "max(finished_at) filter (where status = 'failed'), "
            "arg_max(message, finished_at) filter (where status = 'failed'), "
            "bool_and(status = 'skipped') filter (where finished_at = (select max(finished_at) from meta.ingestion_runs r "
            "where r.source = i.source)) from meta.ingestion_runs i group by all order by all",
        )
        for source, last_ok, last_failed, failure, skipped in sources:
            if skipped:
                lines.append(f"  {source:<20} skipped (not configured)")
                continue
            failed = f"{str(last_failed)[:16]}: {(failure or '')[:60]}" if last_failed else "none"
            lines.append(f"  {source:<20} newest data {_age(newest.get(source), now):>9}   last success "
                         f"{str(last_ok or 'never')[:16]:<16}   last failure {failed}")
        lines.append("\nCursors:")
        for source, extractor, state in _rows(conn, "select source, extractor, state from meta.cursors order by all"):
            lines.append(f"  {source + '/' + extractor:<36} {readable_cursor(state)}")
        quarantine = _rows(conn, "select source, count(*) from quarantine.records group by 1 order by 1")
        if quarantine:
            lines.append("  quarantined records: " + ", ".join(f"{s} {n}" for s, n in quarantine))
        unknown = _rows(conn, "select source, string_agg(field, ', ' order by field) from meta.unknown_fields group by 1 order by 1")
        if unknown:
            lines.append("  undeclared fields dropped (names only; allow-list to keep): "
                         + "; ".join(f"{s}: {names}" for s, names in unknown))
        pubs = _rows(conn, "select run_id, published_at, tables from meta.publication where status = 'published' order by published_at desc limit 1")
        lines.append("\nLast publication:")
        if pubs:
            run_id, at, tables = pubs[0]
            lines.append(f"  {str(at)[:19]} UTC by run {run_id[:8]}: {published_dir(home) / PUBLISHED_FILE}")
            lines += [f"    {name:<40} {count:>8} rows" for name, count in json.loads(tables).items()]
        else:
            lines.append("  none yet")
        last = _rows(conn, "select run_id from meta.check_results order by checked_at desc limit 1")
        if last:
            failed = _rows(
                conn,
                "select table_name, expectation, severity, observed_value from meta.check_results "
                "where run_id = ? and not success order by severity, table_name",
                [last[0][0]],
            )
            lines.append(f"\nChecks of run {last[0][0][:8]}: " + ("all passed" if not failed else f"{len(failed)} failed"))
            lines += [f"  ✗ {t}: {e} ({s}); observed {str(v)[:120]}" for t, e, s, v in failed]
        docs = home / "data_docs" / "index.html"
        if docs.exists():
            lines.append(f"\nValidation reports (data docs): {docs}")
    finally:
        conn.close()
    return lines
