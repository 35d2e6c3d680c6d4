"""Receiver -> inbox -> sensor over real HTTP: a burst of 1,000 Jira deliveries becomes one run."""

from __future__ import annotations

import threading

import requests
from dagster import AssetKey, DagsterInstance, Definitions, asset, build_sensor_context
from webhook_helpers import SECRETS, running_server, signed_request

from pipelines.sensors.inbox_sensor import build_inbox_sensor
from pipelines.webhooks.app import create_app
from pipelines.webhooks.inbox import Inbox, inbox_path

KEYS = [AssetKey(["raw_jira", "issues"]), AssetKey(["raw_jira", "comments"])]


def _asset(key):
    @asset(key=key)
    def _a():
        return 1

    return _a


def test_http_burst_of_1000_events_becomes_one_run_request(tmp_path):
    with Inbox(inbox_path(tmp_path)) as inbox, running_server(create_app(inbox, dict(SECRETS))) as url:
        statuses: list[int] = []
        lock = threading.Lock()

        def client(n):
            session = requests.Session()
            mine = []
            for _ in range(250):
                body, headers, _ = signed_request("jira")
                mine.append(session.post(f"{url}/webhooks/jira", data=body, headers=headers, timeout=10).status_code)
            with lock:
                statuses.extend(mine)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # a vendor retry of an already stored delivery changes nothing
        body, headers, _ = signed_request("jira", delivery=inbox.read_after(0, 1)[0].delivery_id)
        assert requests.post(f"{url}/webhooks/jira", data=body, headers=headers, timeout=10).json()["status"] == "duplicate"
    assert statuses == [200] * 1000

    sensor_def = build_inbox_sensor({"jira": KEYS}, debounce_seconds=0, home=tmp_path)
    defs = Definitions(assets=[_asset(k) for k in KEYS], sensors=[sensor_def])
    with DagsterInstance.ephemeral() as instance:
        sensor = defs.resolve_sensor_def(sensor_def.name)
        first = sensor.evaluate_tick(build_sensor_context(instance=instance, definitions=defs))
        assert len(first.run_requests) == 1
        assert first.run_requests[0].tags["archipelago/inbox_events"] == "1000"
        second = sensor.evaluate_tick(build_sensor_context(cursor=first.cursor, instance=instance, definitions=defs))
        assert second.run_requests == []
