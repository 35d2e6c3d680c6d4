"""Event-driven refresh end to end, over real HTTP and real materialisations:

a signed Jira webhook from the sandbox -> the receiver stores it durably -> the inbox sensor requests
an incremental run of the Jira assets -> the run fetches the change -> declarative automation
rebuilds the models downstream -> their blocking checks pass -> the marts are republished.
The same for a survey CSV dropped into the exports inbox.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
import time

import dagster as dg
import duckdb
import pytest
import uvicorn
from archipelago_testing import failures, isolated_env, materialize_everything, temp_instance

from pipelines.webhooks import exports_inbox
from pipelines.webhooks.app import create_app
from pipelines.webhooks.inbox import Inbox

END = dt.date(2026, 10, 31)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """The webhook receiver on 127.0.0.1, in a thread, writing to the home's inbox."""

    def __init__(self, home, secrets):
        self.inbox = Inbox.for_home(home)
        app = create_app(self.inbox, secrets, payload_tolerance_seconds=None)
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        assert self.server.started, "the webhook receiver did not start"
        return self

    def url(self, source: str) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/{source}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _execute(instance, run_request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    selection = run_request.asset_selection
    assert selection, "the sensor must name the assets to refresh"
    return materialize_everything(instance, selection=selection, tags=run_request.tags)


def _automate(defs, instance, cursor, max_ticks: int = 5):
    """Ticks of declarative automation, each followed by one run of what it requested (models, their
    checks, publication), until a tick requests nothing: what the automation sensor does over a few
    intervals. One tick is not enough: a target requested on the previous tick ignores updates of
    its deps seen on this one, and asks again once they have landed."""
    asset_keys = defs.resolve_asset_graph().get_all_asset_keys()
    requested, runs = [], []
    for _ in range(max_ticks):
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        cursor = result.cursor
        keys = [k for k in asset_keys if result.get_num_requested(k)]
        if not keys:
            break
        requested += keys
        runs.append(materialize_everything(instance, selection=dg.AssetSelection.assets(*keys)))
    return cursor, requested, runs


def _next_cross_department_reassignment(org, after: dt.datetime) -> dt.datetime:
    """When a sandbox Jira issue next moves between assignees of two departments, after `after`."""
    people = org.people.employees

    def department(idx, when):
        return people[idx].assignment_at(when.date()).department

    return min(when for ticket in org.jira.tickets for when, _author, items, _cid in ticket.changes
               if when > after and any(f == "assignee" and old is not None and new is not None
                                       and department(old, when) != department(new, when) for f, old, new in items))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("events")
    home = root / "home"
    home.mkdir()
    isolated_env(mp, home)
    org = generate_organisation(seed=7, employees=80, months=4, end_date=END)
    # Start the sandbox an hour before a reassignment across departments: the test advances the
    # clock just past it, so that reassignment is the one the webhook announces.
    reassigned_at = _next_cross_department_reassignment(org, org.now)
    mp.setenv("ARCHIPELAGO_TODAY", (reassigned_at.date() + dt.timedelta(days=1)).isoformat())
    server = SandboxServer(org, port=0, exports_dir=root / "exports").start()
    server.set_now(reassigned_at - dt.timedelta(hours=1))
    try:
        env = server.env()
        for name, value in env.items():
            mp.setenv(name, value)
        instance = temp_instance(root / "instance")
        first = materialize_everything(instance)
        assert first.success, failures(first)
        from pipelines.definitions import ASSETS, CHECKS, RAW_KEYS, RESOURCES  # noqa: PLC0415

        defs = dg.Definitions(assets=ASSETS, asset_checks=CHECKS, resources=RESOURCES)
        # The first tick only sets the cursor: everything is fresh after the full refresh.
        cursor, requests, _ = _automate(defs, instance, None)
        yield {"home": home, "server": server, "env": env, "instance": instance, "defs": defs,
               "raw_keys": RAW_KEYS, "cursor": cursor, "initial_requests": requests,
               "reassigned_at": reassigned_at}
    finally:
        server.stop()
        mp.undo()


def _publication(home):
    with duckdb.connect(str(home / "published" / "marts.duckdb"), read_only=True) as conn:
        return conn.execute("select run_id, published_at from meta.publication").fetchone()


def _published_handoffs(home) -> dict[tuple, int]:
    """The published handoff matrix: (week, from, to) -> handoffs."""
    with duckdb.connect(str(home / "published" / "marts.duckdb"), read_only=True) as conn:
        rows = conn.execute("select week_start, from_department, to_department, handoffs "
                            "from silo.handoffs_weekly").fetchall()
    return {tuple(r[:3]): r[3] for r in rows}


def _warehouse_handoff(home, ticket_id: str, at: dt.datetime):
    """The handoff the warehouse derived from one reassignment: (week, from, to), or None."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(
            "select cast(date_trunc('week', handoff_at) as date), from_department, to_department "
            "from intermediate.int_tickets__handoffs where ticket_id = ? "
            "and abs(epoch(handoff_at) - epoch(cast(? as timestamp))) < 1", [ticket_id, at]).fetchone()


def test_a_signed_jira_webhook_leads_to_a_republished_mart(world):
    from pipelines.sensors.inbox_sensor import build_inbox_sensor  # noqa: PLC0415

    home, server, instance = world["home"], world["server"], world["instance"]
    before = _publication(home)
    handoffs_before = _published_handoffs(home)
    reassigned_at = world["reassigned_at"]
    with Receiver(home, {"jira": world["env"]["JIRA_WEBHOOK_SECRET"]}) as receiver:
        server.advance(days=(reassigned_at + dt.timedelta(seconds=1) - server.now).total_seconds() / 86400,
                       webhook_urls={"jira": receiver.url("jira")})
        assert server.deliveries, "the sandbox must announce the reassignment"
        delivery = server.deliveries[-1]
        assert delivery.status_code == 200, delivery.response_text
    sensor = build_inbox_sensor(world["raw_keys"], debounce_seconds=0, home=home)
    evaluation = sensor(dg.build_sensor_context(instance=instance, cursor=None, definitions=world["defs"]))
    requests = list(evaluation.run_requests or [])
    assert len(requests) == 1, f"one event, one run; got {requests}"
    assert all(k.path[0] == "raw_jira" for k in requests[0].asset_selection)
    fetched = _execute(instance, requests[0])
    assert fetched.success
    issue_id = str(delivery.payload["issue"]["id"])
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        landed_by = conn.execute("select _run_id from raw_jira.issues where issue_id = ?", [issue_id]).fetchall()
    assert landed_by == [(fetched.run_id,)], "the event-triggered run must fetch the changed issue"
    world["cursor"], downstream, runs = _automate(world["defs"], instance, world["cursor"])
    assert downstream, "declarative automation must rebuild the models downstream of raw_jira"
    assert all(run.success for run in runs)
    after = _publication(home)
    assert after[0] != before[0] and after[1] > before[1], "the marts must be republished"
    handoff = _warehouse_handoff(home, f"jira:{issue_id}", reassigned_at)
    assert handoff is not None, "the reassignment across departments must be a handoff in the warehouse"
    assert _published_handoffs(home).get(handoff) == handoffs_before.get(handoff, 0) + 1, (
        f"the published handoff matrix must count the new handoff {handoff}")


def test_a_dropped_survey_csv_is_loaded_once_and_republished(world):
    from pipelines.sensors.file_sensor import build_export_file_sensor  # noqa: PLC0415

    home, instance = world["home"], world["instance"]
    before = _publication(home)
    exports = exports_inbox.ensure_layout(exports_inbox.exports_root(home))
    source = world["env"]["SURVEY_CSV_PATH"]
    dropped = exports / "survey" / "pulse-extra.csv"
    shutil.copy(source, dropped)
    sensor = build_export_file_sensor(None, {"survey": world["raw_keys"]["survey_csv"]}, settle_seconds=0)
    context = dg.build_sensor_context(instance=instance, cursor=None, definitions=world["defs"])
    first = sensor(context)
    requests = list(first.run_requests or [])
    assert len(requests) == 1
    run = _execute(instance, requests[0])
    assert run.success
    assert not dropped.exists()
    assert list((exports / "processed" / "survey").glob("*pulse-extra*")), "a loaded file ends in processed/"
    again = sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor, definitions=world["defs"]))
    assert not list(again.run_requests or []), "each file is loaded once"
    world["cursor"], downstream, runs = _automate(world["defs"], instance, world["cursor"])
    assert any(k.path[0] == "staging" and "survey" in k.path[-1] for k in downstream), (
        "declarative automation must rebuild the survey models")
    assert all(run.success for run in runs)
    assert _publication(home)[0] != before[0], (
        f"the marts must be republished after the dropped file; automation requested {sorted(k.to_user_string() for k in downstream)}")


def test_a_fresh_tenant_gets_insufficient_data_not_a_low_usage_share(world):
    """This warehouse landed its first Microsoft 365 usage report today: the report only says when each
    user was last active, so the weeks before are unknown. The Support pilot's behaviour link (WAU
    share, baseline months before) says so instead of printing a share near zero."""
    with duckdb.connect(str(world["home"] / "warehouse.duckdb"), read_only=True) as conn:
        first_report = conn.execute("select min(report_refresh_date) from raw_m365_copilot.usage_user_detail").fetchone()[0]
    with duckdb.connect(str(world["home"] / "published" / "marts.duckdb"), read_only=True) as conn:
        status, reason, current, did, evidence = conn.execute(
            "select status, status_reason, current_value, did_estimate, evidence from value_chain.initiative_links "
            "where initiative_id = 'support_m365_pilot' and link = 'behaviour_change'"
        ).fetchone()
    assert first_report is not None
    assert (status, reason, evidence) == ("insufficient_data", f"no usage history before {first_report.isoformat()}",
                                          "insufficient data")
    assert current is None and did is None
