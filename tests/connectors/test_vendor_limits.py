"""Connectors under the vendors' documented request limits, enforced by the sandbox over real HTTP.

The sandbox answers 429 with Retry-After once a limit's window is full (sandbox/server/rate_limits.py);
the client waits as told without using up its attempts, and the landed data is what an unlimited run
lands. Windows are scaled down (Zendesk's 10 export requests a minute become 10 in 1.2 s) so the test
waits seconds, not minutes.
"""

from __future__ import annotations

import duckdb
import pytest

from connectors import typeform, zendesk
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import initialise
from sandbox import SandboxServer, generate_organisation
from sandbox.server.rate_limits import Limit, VendorLimits

pytestmark = pytest.mark.integration

KEY = "sandbox-test-pseudonym-key-42"


@pytest.fixture(scope="module")
def org():
    return generate_organisation(seed=1, employees=60, months=3)


def _zendesk(env):
    client = zendesk.make_client(zendesk.SOURCE.settings(env))
    return client, zendesk.ZendeskTicketsExtractor(client, Pseudonymiser(KEY), per_page=25, events_per_page=40)


def _typeform(env):
    (extractor,) = typeform.SOURCE.build(typeform.SOURCE.settings(env), Pseudonymiser(KEY))
    extractor.page_size = 10  # ten pages, to meet the 2-a-second limit
    return extractor.client, extractor


def _land(build, env):
    conn = duckdb.connect()
    initialise(conn)
    client, extractor = build(env)
    land_extractor(conn, extractor, "run")
    tables = {spec.table: conn.execute(f"select * exclude (_run_id, _loaded_at) from {spec.table} order by all")
              .fetchall() for spec in extractor.specs}
    return tables, client


@pytest.mark.parametrize(("source", "build", "scale"), [("zendesk", _zendesk, 0.02), ("typeform", _typeform, 1.0)])
def test_a_source_lands_the_same_data_under_its_vendor_limits(org, source, build, scale):
    with SandboxServer(org, port=0) as free:
        expected, unlimited = _land(build, free.env())
    assert unlimited.rate_limited == 0
    with SandboxServer(org, port=0, vendor_limits=True, limits_time_scale=scale) as limited:
        landed, client = _land(build, limited.env())
        throttled = limited.state.limits.throttled.get(source, 0)
    assert throttled > 0, "the run was long enough to meet the limit"
    assert client.rate_limited == throttled, "every 429 was waited out as Retry-After said"
    assert client.slept > 0
    assert landed == expected and any(landed.values())


def test_windows_slide_and_retry_after_names_the_wait():
    now = [100.0]
    limits = VendorLimits(enabled=True, clock=lambda: now[0],
                          table={"zendesk": (Limit("incremental exports", r"^/api/v2/incremental/", 2, 60),)})
    assert limits.check("zendesk", "/api/v2/incremental/tickets/cursor.json") is None
    now[0] = 130.0
    assert limits.check("zendesk", "/api/v2/incremental/ticket_events.json") is None
    assert limits.check("zendesk", "/api/v2/groups.json") is None  # no limit matches
    now[0] = 150.0
    limit, wait = limits.check("zendesk", "/api/v2/incremental/tickets/cursor.json")
    assert limit.name == "incremental exports" and wait == pytest.approx(10.0)
    assert limits.retry_after(wait) == "10"
    now[0] = 160.5  # the first request has left the window
    assert limits.check("zendesk", "/api/v2/incremental/tickets/cursor.json") is None
    assert limits.throttled == {"zendesk": 1}
    assert VendorLimits().check("zendesk", "/api/v2/incremental/x") is None  # off by default
