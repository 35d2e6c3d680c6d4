"""Which day it is, by the source's clock.

Snapshots (seat lists, member lists) are dated, and daily reports are read up to yesterday. The
server's `Date` header is the source's own idea of today: it keeps a tool behind a clock skew,
or a demo server with a simulated clock, consistent with what it serves.
"""

from __future__ import annotations

import datetime as dt
import email.utils

import requests


def server_date(response: requests.Response | None) -> dt.date:
    """Today by the response's `Date` header; UTC today when it has none or it is unreadable."""
    header = response.headers.get("Date") if response is not None else None
    if header:
        try:
            when = email.utils.parsedate_to_datetime(header)
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return when.astimezone(dt.UTC).date()
        except (TypeError, ValueError, IndexError):
            pass
    return dt.datetime.now(dt.UTC).date()
