"""What time it is, by the source's clock.

Snapshots (seat lists, member lists) are dated, daily reports are read up to yesterday, and
exports cover up to "now". The server's `Date` header is the source's own idea of now: it keeps a
run consistent with what the source serves despite clock skew, or a demo server's simulated clock.
"""

from __future__ import annotations

import datetime as dt
import email.utils

import requests


def server_time(response: requests.Response | None) -> dt.datetime:
    """Now (naive UTC) by the response's `Date` header; our own clock when it has none or it is unreadable."""
    header = response.headers.get("Date") if response is not None else None
    if header:
        try:
            when = email.utils.parsedate_to_datetime(header)
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return when.astimezone(dt.UTC).replace(tzinfo=None)
        except (TypeError, ValueError, IndexError):
            pass
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def server_date(response: requests.Response | None) -> dt.date:
    return server_time(response).date()
