"""The demo organisation's Zendesk business-hours schedule: its support team works shifts.

One schedule, so Zendesk applies it to every ticket (and to every Zendesk metric's business minutes):
weekdays 08:00-20:00 in two shifts, weekends 10:00-16:00, Amsterdam time, closed on Christmas Day
and New Year's Day only (the support desk is open on King's Day and Boxing Day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

SCHEDULE_ID = 360000077777
SCHEDULE_NAME = "Support shifts"
ZENDESK_TIME_ZONE = "Amsterdam"  # Zendesk's own zone name (Rails style), not the IANA name
_ZONE = ZoneInfo("Europe/Amsterdam")
_DAY = 1440

# (day since Sunday, start, end) in minutes of the local day: Zendesk's wire format adds day x 1440.
_SHIFTS = [(d, 8 * 60, 14 * 60) for d in range(1, 6)] + [(d, 14 * 60, 20 * 60) for d in range(1, 6)] \
    + [(d, 10 * 60, 16 * 60) for d in (0, 6)]


def intervals() -> list[dict[str, int]]:
    """Minutes since Sunday 00:00, local to the schedule, as Zendesk serves them."""
    return [{"start_time": d * _DAY + s, "end_time": d * _DAY + e} for d, s, e in sorted(_SHIFTS)]


def holidays(first_year: int, last_year: int) -> list[dict]:
    out = []
    for year in range(first_year, last_year + 1):
        out.append({"id": 360000880000 + year * 10 + 1, "name": "Eerste Kerstdag",
                    "start_date": f"{year}-12-25", "end_date": f"{year}-12-25"})
        out.append({"id": 360000880000 + year * 10 + 2, "name": "Nieuwjaarsdag",
                    "start_date": f"{year}-01-01", "end_date": f"{year}-01-01"})
    return sorted(out, key=lambda h: h["start_date"])


def _closed(day: date) -> bool:
    return (day.month, day.day) in ((12, 25), (1, 1))


@lru_cache(maxsize=4096)
def _shifts_utc(day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The shifts of one local day as naive-UTC (start, end) pairs (the zone conversion is the cost)."""
    if _closed(day):
        return ()
    utc = ZoneInfo("UTC")
    sunday_based = day.isoweekday() % 7
    midnight = datetime(day.year, day.month, day.day)
    return tuple(
        ((midnight + timedelta(minutes=s)).replace(tzinfo=_ZONE).astimezone(utc).replace(tzinfo=None),
         (midnight + timedelta(minutes=e)).replace(tzinfo=_ZONE).astimezone(utc).replace(tzinfo=None))
        for d, s, e in _SHIFTS if d == sunday_based)


def business_minutes(start: datetime, end: datetime) -> int:
    """Minutes between two naive-UTC instants inside the schedule (what Zendesk reports as `business`)."""
    total = 0.0
    local_start = start.replace(tzinfo=ZoneInfo("UTC")).astimezone(_ZONE)
    day = local_start.date() - timedelta(days=1)
    last = end + timedelta(days=1)
    while datetime(day.year, day.month, day.day) <= last:
        for a, b in _shifts_utc(day):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += timedelta(days=1)
    return int(total)
