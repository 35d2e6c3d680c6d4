"""Timestamp formats, one per vendor convention. Every datetime in the sandbox is naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


def iso_z(dt: datetime | None) -> str | None:
    """2026-03-04T09:12:44Z (Zendesk, GitHub, Typeform, Qualtrics)."""
    return None if dt is None else dt.isoformat(timespec="seconds") + "Z"  # isoformat: 3x faster than strftime


def jira(dt: datetime | None) -> str | None:
    """2026-03-04T09:12:44.123+0000 (Jira Cloud)."""
    return None if dt is None else dt.isoformat(timespec="milliseconds") + "+0000"


def servicenow(dt: datetime | None) -> str:
    """2026-03-04 09:12:44, empty string when absent (ServiceNow Table API)."""
    return "" if dt is None else dt.isoformat(sep=" ", timespec="seconds")


def epoch(dt: datetime) -> int:
    """Whole Unix seconds of a naive-UTC datetime (floor division: no float, no time tuple)."""
    return (dt - _EPOCH) // _SECOND


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)
