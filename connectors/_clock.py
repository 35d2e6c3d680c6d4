"""Which day it is, by the source's clock (its `Date` header, read by `connectors.http.server_date`).

Snapshots (seat lists, member lists) are dated, and daily reports are read up to yesterday, by the
source's own idea of today: it keeps a run consistent with what the source serves despite clock
skew, or a demo server's simulated clock. Without a usable header, our own UTC clock is used.
"""

from __future__ import annotations

import datetime as dt

import requests

from connectors.http import server_date as _header_time


def server_date(response: requests.Response | None) -> dt.date:
    when = _header_time(response) if response is not None else None
    return (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()
