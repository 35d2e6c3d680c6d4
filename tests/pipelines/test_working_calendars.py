"""Working calendars: the calendar file, Zendesk schedules and their expansion to UTC, against
minutes computed by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.errors import ConfigError
from connectors.working_calendars import (
    Holiday,
    Schedule,
    assignment_rows,
    expand,
    load_calendars,
    parse_week,
    working_seconds,
    zendesk_schedule,
)

AMS = "Europe/Amsterdam"
ROOT = Path(__file__).resolve().parents[2]


def schedule(hours, zone=AMS, holidays=()):
    return Schedule("s", "s", zone, parse_week(hours, Path("test.yml"), "hours"), tuple(holidays))


def hours_between(s: Schedule, start: str, end: str) -> float:
    a, b = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
    rows = expand(s, a.date() - dt.timedelta(days=3), b.date() + dt.timedelta(days=3))
    return working_seconds(rows, a, b) / 3600


def test_office_day_is_eight_hours_on_both_sides_of_the_spring_change():
    # Summer time starts Sunday 2026-03-29 02:00 in Amsterdam: 09:00-17:00 is 08:00-16:00 UTC on
    # Friday 27 March and 07:00-15:00 UTC on Monday 30 March; eight hours each.
    office = schedule({"mon-fri": "09:00-17:00"})
    rows = [r for r in expand(office, dt.date(2026, 3, 23), dt.date(2026, 4, 5)) if r.end_at > r.start_at]
    by_day = {r.utc_date: (r.start_at.time(), r.end_at.time()) for r in rows}
    assert by_day[dt.date(2026, 3, 27)] == (dt.time(8), dt.time(16))
    assert by_day[dt.date(2026, 3, 30)] == (dt.time(7), dt.time(15))
    assert all((r.end_at - r.start_at) == dt.timedelta(hours=8) for r in rows)
    # The DST week, Monday 23 to Monday 30 00:00 UTC: five days of eight hours.
    assert hours_between(office, "2026-03-23 00:00", "2026-03-30 00:00") == 40
    # Friday 15:00 UTC (16:00 local) -> Monday 08:00 UTC (10:00 local, summer time): 1 h + 1 h.
    assert hours_between(office, "2026-03-27 15:00", "2026-03-30 08:00") == 2


def test_autumn_change_and_a_round_the_clock_day():
    # Winter time starts Sunday 2026-10-25 03:00: a 00:00-24:00 Sunday lasts 25 hours that day,
    # 24 the Sunday before; office hours stay 8.
    clock = schedule({"sun": "00:00-24:00", "mon": "09:00-17:00"})
    assert hours_between(clock, "2026-10-17 00:00", "2026-10-19 00:00") == 24
    assert hours_between(clock, "2026-10-24 00:00", "2026-10-27 00:00") == 25 + 8
    # Monday 26 October 09:00 local is 08:00 UTC (it was 07:00 UTC a week earlier).
    assert hours_between(clock, "2026-10-26 08:00", "2026-10-26 09:00") == 1
    assert hours_between(clock, "2026-10-19 07:00", "2026-10-19 08:00") == 1


def test_kings_day_and_christmas_are_not_worked():
    holidays = [Holiday("Koningsdag", dt.date(2026, 4, 27), dt.date(2026, 4, 27)),
                Holiday("Kerstmis", dt.date(2026, 12, 25), dt.date(2026, 12, 26))]
    office = schedule({"mon-fri": "09:00-17:00"}, holidays=holidays)
    # Week of King's Day (Monday 27 April 2026): four working days.
    assert hours_between(office, "2026-04-27 00:00", "2026-05-04 00:00") == 32
    # Thursday 24 December 16:00 UTC (17:00 local, end of day) -> Monday 28 December 09:00 UTC
    # (10:00 local): Friday 25 is Christmas, the weekend follows: one hour on Monday.
    assert hours_between(office, "2026-12-24 15:00", "2026-12-28 09:00") == 1 + 1
    # A range holiday covers every day in it; without the holidays the same week has 40 hours.
    assert hours_between(schedule({"mon-fri": "09:00-17:00"}), "2026-04-27 00:00", "2026-05-04 00:00") == 40


def test_split_day():
    # 08:00-12:30 and 13:30-17:30 in winter (UTC+1): a wait from 11:00 to 14:00 local (10:00-13:00
    # UTC) loses the lunch hour: 1.5 + 0.5 = 2 hours.
    desk = schedule({"mon-fri": ["08:00-12:30", "13:30-17:30"]})
    assert hours_between(desk, "2026-02-02 10:00", "2026-02-02 13:00") == 2
    assert hours_between(desk, "2026-02-02 00:00", "2026-02-03 00:00") == 8.5


def test_weekend_and_night_shifts():
    # Saturday and Sunday 10:00-16:00 local; a Friday night shift 22:00-06:00 runs into Saturday.
    shifts = schedule({"sat-sun": "10:00-16:00", "fri": "22:00-06:00"})
    # Friday 20:00 UTC -> Monday 00:00 UTC in winter: night 21:00-05:00 UTC (8 h) + 2 x 6 h.
    assert hours_between(shifts, "2026-02-06 20:00", "2026-02-09 00:00") == 8 + 12
    # The night shift crosses local midnight (22:00-24:00 Friday, 00:00-06:00 Saturday) and UTC
    # midnight: each row stays inside one UTC day.
    rows = [r for r in expand(shifts, dt.date(2026, 2, 6), dt.date(2026, 2, 7)) if r.end_at > r.start_at]
    h = dt.datetime
    assert [(r.utc_date.day, r.start_at, r.end_at) for r in rows[:3]] == [
        (6, h(2026, 2, 6, 21), h(2026, 2, 6, 23)), (6, h(2026, 2, 6, 23), h(2026, 2, 7)), (7, h(2026, 2, 7), h(2026, 2, 7, 5))]


def test_clock_answers_on_days_without_work():
    office = schedule({"mon-fri": "09:00-17:00"})
    rows = expand(office, dt.date(2026, 3, 6), dt.date(2026, 3, 9))
    # Saturday and Sunday have only their midnight row, carrying Friday's eight hours.
    saturday = [r for r in rows if r.utc_date == dt.date(2026, 3, 7)]
    assert len(saturday) == 1 and saturday[0].seconds_before == 8 * 3600
    assert working_seconds(rows, dt.datetime(2026, 3, 7, 12), dt.datetime(2026, 3, 8, 12)) == 0


def test_zendesk_schedule_minutes_since_sunday_and_rails_zone_names():
    # Monday 09:00-17:00 is 1980-2460; Sunday 10:00-16:00 is 600-960; "Amsterdam" is Zendesk's zone name.
    z = zendesk_schedule("Support", "Amsterdam", [(1980, 2460), (600, 960)],
                         [Holiday("Eerste Kerstdag", dt.date(2026, 12, 25), dt.date(2026, 12, 25))])
    assert z.schedule_id == "zendesk:Support" and z.time_zone == AMS and z.origin == "zendesk"
    assert z.week == ((1, 540, 1020), (7, 600, 960))
    with pytest.raises(ConfigError, match="not inside one day"):
        zendesk_schedule("Bad", "Amsterdam", [(1380, 1500)], [])
    with pytest.raises(ConfigError, match="IANA"):
        zendesk_schedule("Bad", "Atlantis", [(1980, 2460)], [])


def test_the_demo_file_reads_and_names_its_dutch_holidays():
    config = load_calendars(ROOT / "config" / "calendars.yml")
    office = config.schedules["office"]
    assert office.time_zone == AMS and office.minutes_per_week() == 5 * 480
    names = {(h.name, h.start) for h in office.holidays}
    assert ("Koningsdag", dt.date(2026, 4, 27)) in names and ("Kerstmis", dt.date(2026, 12, 25)) in names
    assert config.default == "office"
    # Customer Support is not in the file: its Zendesk groups take Zendesk's schedule.
    assert not [a for a in config.assignments if a.name == "Customer Support"]
    vendor = {"zendesk:Support shifts": zendesk_schedule("Support shifts", "Amsterdam", [(1920, 2640)], [])}
    rows = assignment_rows(config, vendor, "zendesk:Support shifts")
    assert ("vendor", "zendesk", None, "zendesk:Support shifts") in {(a.scope, a.source, a.name, a.schedule_id) for a in rows}


@pytest.mark.parametrize("text, message", [
    ("version: 1\ndefault: office\nschedules:\n  office: {time_zone: Europe/Amsterdam, hours: {mon-fri: '9-17'}}\n",
     r"schedules.office.hours.mon-fri: '9' is not a time"),
    ("version: 1\ndefault: office\nschedules:\n  office: {time_zone: Amsterdam, hours: {mon-fri: '09:00-17:00'}}\n",
     "not an IANA time zone"),
    ("version: 1\ndefault: nine_to_five\nschedules:\n  office: {time_zone: UTC, hours: {mon-fri: '09:00-17:00'}}\n",
     "default: no schedule 'nine_to_five'"),
    ("version: 1\ndefault: office\nschedules:\n  office: {time_zone: UTC, hours: {mon: ['09:00-13:00', '12:00-17:00']}}\n",
     "intervals overlap on mon"),
    ("version: 1\ndefault: office\nschedules:\n  office: {time_zone: UTC, hours: {mon-fri: '09:00-17:00'}, holidays: [dutch]}\n",
     "no holiday list 'dutch'"),
    ("version: 1\ndefault: office\nschedules:\n  office: {time_zone: UTC, hours: {mon-fri: '09:00-17:00'}}\n"
     "assign:\n  groups:\n    freshdesk: {Tier 1: office}\n", "ticket system is one of"),
])
def test_a_wrong_file_fails_naming_the_entry(tmp_path, text, message):
    path = tmp_path / "calendars.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_calendars(path)
    assert str(path) in str(info.value)


def test_a_reference_to_a_zendesk_schedule_that_is_not_there_fails(tmp_path):
    path = tmp_path / "calendars.yml"
    path.write_text("version: 1\ndefault: 'zendesk:Office'\n")
    config = load_calendars(path)
    with pytest.raises(ConfigError, match="zendesk:Office, which Zendesk does not have"):
        assignment_rows(config, {}, None)
