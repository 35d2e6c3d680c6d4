"""Working calendars into the warehouse: the calendar file and Zendesk's schedules, expanded for dbt.

Writes `raw_calendar.schedules`, `raw_calendar.schedule_assignments` and
`raw_calendar.working_intervals` (see connectors/working_calendars.py) in one transaction, replacing
what was there: the file is the whole truth each time, like a seed. `raw_calendar.calendar_version`
holds a fingerprint of the calendars and when it last changed: the incremental ticket models
recompute every ticket's business hours after a change (the file edited, a Zendesk schedule moved).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from connectors.working_calendars import (
    CalendarConfig,
    Holiday,
    Schedule,
    assignment_rows,
    calendars_path,
    expand,
    load_calendars,
    zendesk_schedule,
)

SCHEMA = "raw_calendar"
TABLES = ("schedules", "schedule_assignments", "working_intervals", "calendar_version")


@dataclass(frozen=True)
class CalendarReport:
    schedules: int
    vendor_schedules: int
    intervals: int


def _table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0] > 0


def zendesk_schedules(conn: duckdb.DuckDBPyConnection) -> tuple[dict[str, Schedule], str | None]:
    """Schedules of Zendesk's latest read, and the account's default (its first schedule, as Zendesk lists them)."""
    if not _table_exists(conn, "raw_zendesk", "business_hours_schedules"):
        return {}, None
    rows = conn.execute(
        """
        select schedule_id, name, time_zone, intervals from raw_zendesk.business_hours_schedules
        where _run_id = (select _run_id from raw_zendesk.business_hours_schedules order by _loaded_at desc limit 1)
        order by schedule_id
        """
    ).fetchall()
    holidays: dict[int, list[Holiday]] = {}
    if rows and _table_exists(conn, "raw_zendesk", "schedule_holidays"):
        for schedule_id, name, start, end in conn.execute(
            """
            select schedule_id, name, start_date, end_date from raw_zendesk.schedule_holidays
            where _run_id = (select _run_id from raw_zendesk.business_hours_schedules order by _loaded_at desc limit 1)
            """
        ).fetchall():
            holidays.setdefault(schedule_id, []).append(Holiday(name, start, end))
    out: dict[str, Schedule] = {}
    for schedule_id, name, zone, intervals in rows:
        pairs = [(i["start_time"], i["end_time"]) for i in json.loads(intervals)]
        schedule = zendesk_schedule(name, zone, pairs, holidays.get(schedule_id, ()))
        out[schedule.schedule_id] = schedule
    default = next(iter(out), None)
    return out, default


def _arrow(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def build_calendar_tables(config: CalendarConfig, vendor: Mapping[str, Schedule], vendor_default: str | None) -> dict[str, pa.Table]:
    assignments = assignment_rows(config, vendor, vendor_default)
    schedules = {**config.schedules, **vendor}
    first, last = config.span
    interval_columns: dict[str, list] = {"schedule_id": [], "utc_date": [], "start_at": [], "end_at": [], "seconds_before": []}
    for schedule in schedules.values():
        for row in expand(schedule, first, last):
            interval_columns["schedule_id"].append(row.schedule_id)
            interval_columns["utc_date"].append(row.utc_date)
            interval_columns["start_at"].append(row.start_at)
            interval_columns["end_at"].append(row.end_at)
            interval_columns["seconds_before"].append(row.seconds_before)
    return {
        "schedules": _arrow(
            [{"schedule_id": s.schedule_id, "schedule_name": s.name, "time_zone": s.time_zone, "origin": s.origin,
              "minutes_per_week": s.minutes_per_week(), "holidays": len(s.holidays)} for s in schedules.values()],
            pa.schema([("schedule_id", pa.string()), ("schedule_name", pa.string()), ("time_zone", pa.string()),
                       ("origin", pa.string()), ("minutes_per_week", pa.int64()), ("holidays", pa.int64())]),
        ),
        "schedule_assignments": _arrow(
            [{"scope": a.scope, "source": a.source, "name": a.name, "schedule_id": a.schedule_id} for a in assignments],
            pa.schema([("scope", pa.string()), ("source", pa.string()), ("name", pa.string()), ("schedule_id", pa.string())]),
        ),
        "working_intervals": pa.table(interval_columns, schema=pa.schema([
            ("schedule_id", pa.string()), ("utc_date", pa.date32()), ("start_at", pa.timestamp("us")),
            ("end_at", pa.timestamp("us")), ("seconds_before", pa.int64())])),
    }


def fingerprint(config: CalendarConfig, vendor: Mapping[str, Schedule], vendor_default: str | None) -> str:
    """What the expanded calendars depend on: schedules, assignments, span (dataclass reprs are stable)."""
    parts = [repr(sorted({**config.schedules, **vendor}.items())), repr(assignment_rows(config, vendor, vendor_default)),
             repr(config.span)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _version(conn: duckdb.DuckDBPyConnection, current: str) -> pa.Table:
    """The fingerprint and when it changed (kept from the last run when it did not)."""
    changed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if _table_exists(conn, SCHEMA, "calendar_version"):
        previous = conn.execute(f"select fingerprint, changed_at from {SCHEMA}.calendar_version").fetchone()
        if previous and previous[0] == current:
            changed_at = previous[1]
    return pa.table({"fingerprint": [current], "changed_at": [changed_at]},
                    schema=pa.schema([("fingerprint", pa.string()), ("changed_at", pa.timestamp("us"))]))


def land_calendars(conn: duckdb.DuckDBPyConnection, env: Mapping[str, str] | None = None) -> CalendarReport:
    """Read the calendar file and Zendesk's landed schedules; replace the raw_calendar tables."""
    config = load_calendars(calendars_path(env))
    vendor, vendor_default = zendesk_schedules(conn)
    tables = build_calendar_tables(config, vendor, vendor_default)
    tables["calendar_version"] = _version(conn, fingerprint(config, vendor, vendor_default))
    conn.execute(f"create schema if not exists {SCHEMA}")
    conn.execute("begin")
    try:
        for name, table in tables.items():
            conn.register("calendar_rows", table)
            conn.execute(f"create or replace table {SCHEMA}.{name} as select * from calendar_rows")
            conn.unregister("calendar_rows")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    return CalendarReport(len(config.schedules), len(vendor), tables["working_intervals"].num_rows)



# What land_calendars reads besides the calendar file: Zendesk's landed schedules and the last version.
CALENDAR_INPUTS = (("raw_zendesk", "business_hours_schedules"), ("raw_zendesk", "schedule_holidays"),
                   (SCHEMA, "calendar_version"))


def land_calendars_into(target, env: Mapping[str, str] | None = None) -> CalendarReport:
    """land_calendars for an engine other than DuckDB (a pipelines.engines RawTarget): its inputs are
    read from the engine into an in-memory DuckDB, the tables built there, and replaced in the engine."""
    with duckdb.connect() as scratch:
        for schema, name in CALENDAR_INPUTS:
            table = target.read_table(schema, name)
            if table is not None:
                scratch.execute(f"create schema if not exists {schema}")
                scratch.register("calendar_input", table)
                scratch.execute(f"create table {schema}.{name} as select * from calendar_input")
                scratch.unregister("calendar_input")
        report = land_calendars(scratch, env)
        target.replace_tables(SCHEMA, {name: scratch.table(f"{SCHEMA}.{name}").arrow().read_all() for name in TABLES})
    return report
