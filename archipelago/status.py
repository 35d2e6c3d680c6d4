"""What `archipelago status` shows: last runs, freshness per source, last publication, failing checks."""

from __future__ import annotations

import json
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


def status_lines(home: Path, dagster_runs: list[tuple[str, str, str]] | None = None) -> list[str]:
    lines: list[str] = [f"Archipelago home: {home}"]
    if dagster_runs:
        lines.append("\nLast runs (Dagster instance):")
        lines += [f"  {run_id[:8]}  {job:<18} {status}" for run_id, job, status in dagster_runs]
    lines += _failure_lines(home)
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
        lines.append("\nSources (last success, cursor):")
        cursors = {(s, e): (state, at) for s, e, state, at in _rows(conn, "select source, extractor, state, updated_at from meta.cursors")}
        runs = _rows(
            conn,
            "select source, extractor, max(finished_at) filter (where status = 'succeeded'), arg_max(status, finished_at), "
            "arg_max(message, finished_at) from meta.ingestion_runs group by all order by all",
        )
        for source, extractor, last_ok, last_status, message in runs:
            state, _ = cursors.get((source, extractor), (None, None))
            cursor = json.dumps(json.loads(state))[:70] if state else "-"
            note = f"  [{last_status}: {message[:60]}]" if last_status != "succeeded" and message else ""
            lines.append(f"  {source + '/' + extractor:<36} {str(last_ok or 'never')[:19]:<20} {cursor}{note}")
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
