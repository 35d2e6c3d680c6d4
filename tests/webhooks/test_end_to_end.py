"""Receiver -> inbox -> sensor over real HTTP: a burst of 1,000 Jira deliveries becomes one run."""

from __future__ import annotations

import threading

import requests
from dagster import AssetKey, DagsterInstance, Definitions, asset, build_sensor_context
from webhook_helpers import KeepAliveClient, free_port, signed_request, start_receiver

from pipelines.sensors.inbox_sensor import build_inbox_sensor

KEYS = [AssetKey(["raw_jira", "issues"]), AssetKey(["raw_jira", "comments"])]


def _asset(key):
    @asset(key=key)
    def _a():
        return 1

    return _a


def test_http_burst_of_1000_events_becomes_one_run_request(tmp_path):
    port = free_port()
    proc = start_receiver(tmp_path, port)  # `archipelago webhooks serve` in its own process
    url = f"http://127.0.0.1:{port}"
    try:
        statuses: list[int] = []
        deliveries: list[str] = []
        lock = threading.Lock()

        def client():
            http = KeepAliveClient(url)
            mine, ids = [], []
            for _ in range(250):
                body, headers, delivery = signed_request("jira")
                mine.append(http.post("/webhooks/jira", body, headers)[0])
                ids.append(delivery)
            http.close()
            with lock:
                statuses.extend(mine)
                deliveries.extend(ids)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # a vendor retry of an already stored delivery changes nothing
        body, headers, _ = signed_request("jira", delivery=deliveries[0])
        assert requests.post(f"{url}/webhooks/jira", data=body, headers=headers, timeout=10).json()["status"] == "duplicate"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
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
