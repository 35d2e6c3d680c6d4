"""The inbox sensor: bursts collapse to one run per source, debounce holds, no event runs twice."""

from __future__ import annotations

import json

import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, Definitions, asset, build_sensor_context

from pipelines.sensors.inbox_sensor import build_inbox_sensor
from pipelines.webhooks.inbox import Inbox, inbox_path

JIRA_KEYS = [AssetKey(["raw_jira", "issues"]), AssetKey(["raw_jira", "changelog"])]
ZENDESK_KEYS = [AssetKey(["raw_zendesk", "tickets"])]


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def home(tmp_path):
    return tmp_path


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


def append(home, source, n, *, at, start=0):
    """Append n events through the real inbox, concurrently as the receiver does (group commit)."""
    from concurrent.futures import ThreadPoolExecutor

    with Inbox(inbox_path(home)) as inbox, ThreadPoolExecutor(max_workers=min(16, n)) as pool:
        results = list(
            pool.map(
                lambda i: inbox.append(source, f"{source}-{i}", "updated", summary={"issue_key": f"K-{i}"}, received_at=at),
                range(start, start + n),
            )
        )
    assert not any(r.duplicate for r in results)


def _asset_for(key: AssetKey):
    @asset(key=key)
    def _materialize():
        return 1

    return _materialize


ALL_KEYS = [*JIRA_KEYS, *ZENDESK_KEYS]


def evaluate(sensor_def, instance, cursor):
    """Evaluate as the daemon would: inside a code location holding the target assets."""
    defs = Definitions(assets=[_asset_for(k) for k in ALL_KEYS], sensors=[sensor_def])
    ctx = build_sensor_context(cursor=cursor, instance=instance, definitions=defs)
    return defs.resolve_sensor_def(sensor_def.name).evaluate_tick(ctx)


def test_burst_of_1000_events_becomes_one_run(home, instance):
    clock = Clock()
    append(home, "jira", 1000, at=clock.t - 60)
    sensor_def = build_inbox_sensor({"jira": JIRA_KEYS}, debounce_seconds=30, home=home, clock=clock)
    data = evaluate(sensor_def, instance, None)
    assert len(data.run_requests) == 1
    [req] = data.run_requests
    assert req.run_key == "webhook:jira:1000"
    assert set(req.asset_selection) == set(JIRA_KEYS)
    assert req.tags["archipelago/inbox_first_seq"] == "1"
    assert req.tags["archipelago/inbox_last_seq"] == "1000"
    assert req.tags["archipelago/inbox_events"] == "1000"
    assert json.loads(data.cursor)["seq"] == 1000
    # the same events never produce a second request
    again = evaluate(sensor_def, instance, data.cursor)
    assert again.run_requests == []
    assert again.cursor == data.cursor


def test_debounce_waits_for_quiet_then_requests_once(home, instance):
    clock = Clock()
    sensor_def = build_inbox_sensor({"jira": JIRA_KEYS}, debounce_seconds=30, max_wait_seconds=300, home=home, clock=clock)
    append(home, "jira", 10, at=clock.t - 5)
    first = evaluate(sensor_def, instance, None)
    assert first.run_requests == []
    assert "debouncing jira (10 events)" in first.skip_message
    assert json.loads(first.cursor)["seq"] == 0  # nothing requested, nothing passed
    clock.t += 10
    append(home, "jira", 5, at=clock.t, start=10)  # burst continues: the quiet period restarts
    clock.t += 20
    assert evaluate(sensor_def, instance, first.cursor).run_requests == []
    clock.t += 15
    done = evaluate(sensor_def, instance, first.cursor)
    assert [r.run_key for r in done.run_requests] == ["webhook:jira:15"]
    assert done.run_requests[0].tags["archipelago/inbox_events"] == "15"


def test_max_wait_bounds_a_never_ending_stream(home, instance):
    clock = Clock()
    sensor_def = build_inbox_sensor({"jira": JIRA_KEYS}, debounce_seconds=30, max_wait_seconds=120, home=home, clock=clock)
    cursor = None
    requested = []
    for minute in range(5):  # an event every 20 s for 5 minutes: never quiet for 30 s
        for k in range(3):
            append(home, "jira", 1, at=clock.t, start=minute * 3 + k)
            clock.t += 20
            data = evaluate(sensor_def, instance, cursor)
            cursor = data.cursor
            requested += [r.run_key for r in data.run_requests]
    assert 1 <= len(requested) <= 3
    assert len(requested) == len(set(requested))


def test_sources_debounce_independently_and_cursor_only_covers_requested(home, instance):
    clock = Clock()
    sensor_def = build_inbox_sensor(
        {"jira": JIRA_KEYS, "zendesk": ZENDESK_KEYS}, debounce_seconds=30, home=home, clock=clock
    )
    append(home, "zendesk", 3, at=clock.t - 5)  # seq 1-3, still settling
    append(home, "jira", 4, at=clock.t - 100)  # seq 4-7, quiet
    data = evaluate(sensor_def, instance, None)
    assert [r.run_key for r in data.run_requests] == ["webhook:jira:7"]
    cursor = json.loads(data.cursor)
    assert cursor["seq"] == 0 and cursor["done"] == {"jira": 7}
    clock.t += 60
    data2 = evaluate(sensor_def, instance, data.cursor)
    # jira's events are not requested again; zendesk's are, now that it is quiet
    assert [r.run_key for r in data2.run_requests] == ["webhook:zendesk:3"]
    assert data2.run_requests[0].asset_selection == ZENDESK_KEYS
    assert json.loads(data2.cursor) == {"seq": 7, "done": {}}


def test_events_without_target_are_skipped_not_requested(home, instance):
    clock = Clock()
    append(home, "typeform", 2, at=clock.t - 100)
    sensor_def = build_inbox_sensor({"jira": JIRA_KEYS}, debounce_seconds=0, home=home, clock=clock)
    data = evaluate(sensor_def, instance, None)
    assert data.run_requests == []
    assert "no target for typeform (2 events)" in data.skip_message
    assert json.loads(data.cursor)["seq"] == 2


def test_missing_inbox_is_a_skip(home, instance):
    sensor_def = build_inbox_sensor({"jira": JIRA_KEYS}, home=home / "nowhere")
    data = evaluate(sensor_def, instance, None)
    assert data.run_requests == []
    assert "no new webhook events" in data.skip_message


def test_asset_selection_targets_resolve_against_the_definitions(home, instance):
    @asset(key=["raw_jira", "issues"])
    def jira_issues():
        return 1

    @asset(key=["raw_zendesk", "tickets"])
    def zendesk_tickets():
        return 1

    clock = Clock()
    sensor_def = build_inbox_sensor(
        {"jira": AssetSelection.key_prefixes("raw_jira"), "zendesk": AssetSelection.key_prefixes("raw_zendesk")},
        debounce_seconds=0,
        home=home,
        clock=clock,
    )
    defs = Definitions(assets=[jira_issues, zendesk_tickets], sensors=[sensor_def])
    append(home, "jira", 3, at=clock.t)
    ctx = build_sensor_context(instance=instance, definitions=defs)
    data = defs.resolve_sensor_def("webhook_inbox_sensor").evaluate_tick(ctx)
    [req] = data.run_requests
    assert req.asset_selection == [AssetKey(["raw_jira", "issues"])]


def test_targets_keyed_by_registry_source_name(home, instance):
    # pipelines.assets.ingestion.source_asset_keys() is keyed by connector source: github -> github_copilot
    clock = Clock()
    copilot = [AssetKey(["raw_github_copilot", "seats"])]
    sensor_def = build_inbox_sensor({"github_copilot": copilot}, debounce_seconds=0, home=home, clock=clock)
    append(home, "github", 2, at=clock.t)
    defs = Definitions(assets=[_asset_for(k) for k in copilot], sensors=[sensor_def])
    ctx = build_sensor_context(instance=instance, definitions=defs)
    [req] = defs.resolve_sensor_def(sensor_def.name).evaluate_tick(ctx).run_requests
    assert req.run_key == "webhook:github:2"
    assert req.asset_selection == copilot
