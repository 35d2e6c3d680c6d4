"""Zendesk business-hours schedules landed from the sandbox over HTTP, expanded with the calendar
file into raw_calendar, and measured the way the dbt models measure (macros/working_calendar.sql)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from localhttp import LocalServer, Reply

from connectors import zendesk
from connectors.privacy import Pseudonymiser
from pipelines.calendars import land_calendars
from pipelines.landing import land_extractor
from pipelines.warehouse import initialise
from sandbox import SandboxServer, generate_organisation

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SHIFTS = "zendesk:Support shifts"


@pytest.fixture(scope="module")
def warehouse():
    with SandboxServer(generate_organisation(seed=3, employees=50, months=2), port=0) as server:
        settings = zendesk.SOURCE.settings(server.env())
        conn = duckdb.connect()
        initialise(conn)
        schedules = [x for x in zendesk.build(settings, Pseudonymiser("sandbox-test-pseudonym-key-42"))
                     if x.name == "business_hours"]
        report = land_extractor(conn, schedules[0], "run-1")
        assert report.rejects == 0
        land_calendars(conn, {"ARCHIPELAGO_CALENDARS_PATH": str(ROOT / "config" / "calendars.yml")})
        yield conn


def business_hours(conn, schedule_id: str, start: str, end: str) -> float:
    """clock(end) - clock(start), the lookup of macros/working_calendar.sql."""
    clock = """
        select max(seconds_before + date_diff('second', start_at, least(cast(? as timestamp), end_at)))
        from raw_calendar.working_intervals
        where schedule_id = ? and utc_date = cast(cast(? as timestamp) as date) and start_at <= cast(? as timestamp)
    """
    a = conn.execute(clock, [start, schedule_id, start, start]).fetchone()[0]
    b = conn.execute(clock, [end, schedule_id, end, end]).fetchone()[0]
    return (b - a) / 3600


def test_schedule_and_holidays_land_in_zendesks_wire_format(warehouse):
    (name, zone, intervals), = warehouse.execute(
        "select name, time_zone, intervals from raw_zendesk.business_hours_schedules").fetchall()
    assert (name, zone) == ("Support shifts", "Amsterdam")
    # Monday's early shift 08:00-14:00 is minutes 1920-2280 since Sunday 00:00; Saturday 10:00-16:00 is 9240-9600.
    pairs = {(i["start_time"], i["end_time"]) for i in json.loads(intervals)}
    assert {(1920, 2280), (2280, 2640), (9240, 9600), (600, 960)} <= pairs and len(pairs) == 12
    holidays = warehouse.execute("select name, start_date from raw_zendesk.schedule_holidays").fetchall()
    assert ("Eerste Kerstdag", dt.date(2026, 12, 25)) in holidays


def test_zendesk_groups_not_in_the_file_follow_the_vendor_schedule(warehouse):
    rows = set(warehouse.execute("select scope, source, name, schedule_id from raw_calendar.schedule_assignments").fetchall())
    assert ("vendor", "zendesk", None, SHIFTS) in rows
    assert ("default", None, None, "office") in rows
    assert ("group", "servicenow", "Service Desk", "service_desk") in rows
    origins = dict(warehouse.execute("select schedule_id, origin from raw_calendar.schedules").fetchall())
    assert origins == {"office": "config", "service_desk": "config", SHIFTS: "zendesk"}


def test_support_shift_minutes_by_hand(warehouse):
    # Saturday 5 December 2026, 09:00-16:00 UTC = 10:00-17:00 in Amsterdam: the weekend shift is 10-16: 6 h.
    assert business_hours(warehouse, SHIFTS, "2026-12-05 09:00", "2026-12-05 16:00") == 6
    # Thursday 24 December 18:00 UTC (19:00 local) -> Monday 28 December 08:00 UTC (09:00 local):
    # 1 h on Thursday, Christmas Day closed, 6 h on Saturday and on Sunday, 1 h on Monday = 14 h.
    assert business_hours(warehouse, SHIFTS, "2026-12-24 18:00", "2026-12-28 08:00") == 14
    # The office is closed on Christmas Day and Boxing Day: only Monday 09:00-10:00 local (08:00-09:00 UTC).
    assert business_hours(warehouse, "office", "2026-12-24 18:00", "2026-12-28 09:00") == 1
    # King's Day (Monday 27 April 2026): the support desk works its 12 hours, the office none.
    assert business_hours(warehouse, SHIFTS, "2026-04-27 00:00", "2026-04-28 00:00") == 12
    assert business_hours(warehouse, "office", "2026-04-27 00:00", "2026-04-28 00:00") == 0
    # The split-day service desk, 08:00-12:30 and 13:30-17:30 local, Tuesday 28 April 2026 (UTC+2):
    # 08:00-13:00 UTC is 10:00-15:00 local: 2.5 h before lunch + 1.5 h after = 4 h.
    assert business_hours(warehouse, "service_desk", "2026-04-28 08:00", "2026-04-28 13:00") == 4


def test_a_schedule_deleted_in_zendesk_drops_out_at_the_next_read(warehouse, tmp_path):
    conn = duckdb.connect()
    initialise(conn)
    conn.execute("create schema raw_zendesk")
    conn.execute("create table raw_zendesk.business_hours_schedules as select *, cast(null as json) as _extra, "
                 "'old' as _run_id, timestamp '2026-01-01' as _loaded_at from (values "
                 "(1, 'Old', 'UTC', '[]', null::timestamp, null::timestamp)) "
                 "t(schedule_id, name, time_zone, intervals, created_at, updated_at)")
    conn.execute("insert into raw_zendesk.business_hours_schedules values "
                 "(2, 'New', 'UTC', '[{\"start_time\": 1980, \"end_time\": 2460}]', null, null, null, 'new', timestamp '2026-02-01')")
    land_calendars(conn, {"ARCHIPELAGO_CALENDARS_PATH": str(ROOT / "config" / "calendars.yml")})
    ids = {r[0] for r in conn.execute("select schedule_id from raw_calendar.schedules").fetchall()}
    assert "zendesk:New" in ids and "zendesk:Old" not in ids


def test_a_malformed_schedule_or_holiday_is_quarantined_and_the_rest_lands():
    with LocalServer() as api:
        api.route("GET", "/api/v2/business_hours/schedules.json", Reply(json={"schedules": [
            {"id": 1, "name": "Night desk", "time_zone": "London", "intervals": [{"start_time": 1380, "end_time": 1500}]},
            {"id": 2, "name": "Office", "time_zone": "Amsterdam", "intervals": [{"start_time": 1980, "end_time": 2460}]},
        ]}))
        api.route("GET", "/api/v2/business_hours/schedules/2/holidays.json", Reply(json={"holidays": [
            {"id": 7, "name": "Koningsdag", "start_date": "2026-04-27", "end_date": "2026-04-27"},
            {"id": 8, "name": "Backwards", "start_date": "2026-12-26", "end_date": "2026-12-25"},
        ]}))
        settings = zendesk.SOURCE.settings({"ZENDESK_BASE_URL": api.url, "ZENDESK_EMAIL": "bot@acme.example",
                                            "ZENDESK_API_TOKEN": "a-real-looking-token"})
        [extractor] = [x for x in zendesk.build(settings, Pseudonymiser("sandbox-test-pseudonym-key-42"))
                       if x.name == "business_hours"]
        [batch] = list(extractor.batches(None))
    assert [row["name"] for row in batch.rows["business_hours_schedules"]] == ["Office"]
    assert [row["name"] for row in batch.rows["schedule_holidays"]] == ["Koningsdag"]
    assert sorted((x.stream, x.reason) for x in batch.rejects) == [
        ("business_hours_schedules", "interval 1380-1500 is not inside one day of the week"),
        ("schedule_holidays", "holiday needs start_date <= end_date"),
    ]
