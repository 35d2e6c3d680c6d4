"""Record every failed run of this code location in `$ARCHIPELAGO_HOME/meta/failed_runs.sqlite3`.

The warehouse (`warehouse.duckdb`) may be held by a running job, so failures go to a small SQLite
file next to it; `recent_failures(home, limit)` reads them for `archipelago status`. One row per
run: run id, job, failing step(s), error class, message (truncated, known secret values masked),
failure time, and the source/trigger tags. A failed run that was loading a dropped export file also
moves that file from `processing/` to `rejected/` with the error as reason.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dagster import DefaultSensorStatus, RunFailureSensorContext, SensorDefinition, run_failure_sensor

from pipelines.webhooks import exports_inbox

MESSAGE_LIMIT = 500
_SECRET_SUFFIXES = ("_SECRET", "_TOKEN", "_PASSWORD", "_API_KEY", "_ADMIN_KEY", "_PSEUDONYM_KEY")

_SCHEMA = """
create table if not exists failed_runs (
    run_id text primary key,
    job_name text not null,
    step_keys text,
    error_class text,
    message text,
    failed_at text not null,
    source text,
    trigger text
)
"""


@dataclass(frozen=True)
class FailedRun:
    run_id: str
    job_name: str
    step_keys: str | None
    error_class: str | None
    message: str | None
    failed_at: str  # ISO 8601, UTC
    source: str | None = None
    trigger: str | None = None


def failures_path(home: Path | str) -> Path:
    return Path(home) / "meta" / "failed_runs.sqlite3"


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0)
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma synchronous=full")
    conn.execute(_SCHEMA)
    return conn


def scrub(message: str | None, env: Mapping[str, str] | None = None, limit: int = MESSAGE_LIMIT) -> str | None:
    """Mask the value of any secret-looking variable that leaked into `message`, then truncate."""
    if message is None:
        return None
    env = os.environ if env is None else env
    for name, value in env.items():
        if value and len(value) >= 6 and name.upper().endswith(_SECRET_SUFFIXES) and value in message:
            message = message.replace(value, f"<{name}>")
    message = message.strip()
    return message if len(message) <= limit else message[: limit - 1] + "…"


def record_failure(home: Path | str, failure: FailedRun) -> None:
    conn = _connect(failures_path(home))
    try:
        with conn:
            conn.execute(
                "insert into failed_runs (run_id, job_name, step_keys, error_class, message, failed_at, source, trigger)"
                " values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (run_id) do update set"
                " step_keys = excluded.step_keys, error_class = excluded.error_class, message = excluded.message,"
                " failed_at = excluded.failed_at",
                (
                    failure.run_id,
                    failure.job_name,
                    failure.step_keys,
                    failure.error_class,
                    failure.message,
                    failure.failed_at,
                    failure.source,
                    failure.trigger,
                ),
            )
    finally:
        conn.close()


def recent_failures(home: Path | str, limit: int = 20) -> list[FailedRun]:
    """The latest failed runs, newest first; empty when none was ever recorded."""
    path = failures_path(home)
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=30.0)
    try:
        rows = conn.execute(
            "select run_id, job_name, step_keys, error_class, message, failed_at, source, trigger"
            " from failed_runs order by failed_at desc, rowid desc limit ?",
            (int(limit),),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()
    return [FailedRun(*row) for row in rows]


def failure_from_context(context: RunFailureSensorContext) -> FailedRun:
    run = context.dagster_run
    step_keys: list[str] = []
    error_class = message = None
    for event in context.get_step_failure_events():
        if event.step_key and event.step_key not in step_keys:
            step_keys.append(event.step_key)
        error = getattr(event.step_failure_data, "error", None)
        if error_class is None and error is not None:
            root = error
            while getattr(root, "cause", None) is not None and root.cls_name.startswith("Dagster"):
                root = root.cause
            error_class, message = root.cls_name, root.message
    if error_class is None:
        error = getattr(context.failure_event.event_specific_data, "error", None)
        if error is not None:
            error_class, message = error.cls_name, error.message
        else:
            message = context.failure_event.message
    if message and error_class and message.startswith(f"{error_class}: "):
        message = message[len(error_class) + 2 :]  # SerializableErrorInfo repeats the class name
    tags = run.tags or {}
    return FailedRun(
        run_id=run.run_id,
        job_name=run.job_name,
        step_keys=", ".join(step_keys) or None,
        error_class=error_class,
        message=scrub(message),
        failed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        source=tags.get("archipelago/source") or tags.get(exports_inbox.TAG_KIND),
        trigger=tags.get("archipelago/trigger") or tags.get("dagster/schedule_name") or tags.get("dagster/sensor_name"),
    )


def build_failure_sensor(
    *,
    home: Path | str | None = None,
    name: str = "run_failure_recorder",
    monitor_all_code_locations: bool = False,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """`home` defaults to `$ARCHIPELAGO_HOME` read when a failure is recorded."""

    @run_failure_sensor(
        name=name,
        monitor_all_code_locations=monitor_all_code_locations,
        default_status=default_status,
        description="Records failed runs in $ARCHIPELAGO_HOME/meta/failed_runs.sqlite3 for `archipelago status`.",
    )
    def _record(context: RunFailureSensorContext):
        root = Path(home) if home is not None else Path(os.environ.get("ARCHIPELAGO_HOME") or ".archipelago").resolve()
        failure = failure_from_context(context)
        record_failure(root, failure)
        context.log.info(f"recorded failed run {failure.run_id} ({failure.job_name}: {failure.error_class})")
        moved = exports_inbox.reject_for_failed_run(
            context.dagster_run.tags or {}, f"run {failure.run_id} failed: {failure.error_class}: {failure.message}"
        )
        if moved is not None:
            context.log.info(f"moved {moved.name} to rejected/")

    return _record
