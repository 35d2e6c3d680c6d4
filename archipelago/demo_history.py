"""What a tenant that has run Archipelago every night since the start would hold: the Microsoft 365
Copilot usage history, landed day by day.

The M365 user-detail report only says when each user was last active, so a warehouse knows usage
history only from its first landed report (docs/value_chain.md, "Unknown is not zero"). A fresh demo
would start with one report and call every earlier week unknown. The demo instead replays the nights
it did not run: for each day of the sandbox's history it sets the sandbox clock to that night and
lands the report through the production connector and landing code, exactly as a nightly refresh
would have. Nothing here is sandbox-only except moving the sandbox's clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from connectors.m365_copilot import SOURCE, CopilotUsageReportExtractor
from connectors.msgraph_auth import graph_client
from connectors.privacy import Pseudonymiser
from pipelines.engines import get_engine
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

REPORT_LAG_DAYS = 2  # the report's refresh date trails the night it is read by two days


def land_m365_history(server, warehouse: Path, env: Mapping[str, str],
                      pseudonymiser: Pseudonymiser, first_day: dt.date, last_day: dt.date) -> int:
    """Land the M365 usage report as read on each night whose refresh date is first_day..last_day.

    `server` is a running sandbox.SandboxServer. Returns the number of reports landed.
    """
    extractor = CopilotUsageReportExtractor(graph_client(SOURCE.settings(env)), pseudonymiser)
    landed = 0
    day = first_day
    with connect(warehouse) as conn, get_engine(warehouse.parent, env).raw_target(conn) as target:
        while day <= last_day:
            night = dt.datetime.combine(day + dt.timedelta(days=REPORT_LAG_DAYS), dt.time(23, 59, 59))
            with server.clock_at(night):
                land_extractor(target, extractor, f"m365-history-{day.isoformat()}", read_ahead_batches=0)
            landed += 1
            day += dt.timedelta(days=1)
    return landed
