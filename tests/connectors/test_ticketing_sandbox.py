"""Ticketing and HR-directory connectors against the sandbox, landed into DuckDB.

Every check compares with what a clean full load of the same simulated moment lands: incremental
runs, reruns from an old cursor, injected faults and a killed run must all end in the same data
(or, for malformed records, in that data minus exactly the quarantined records).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from connectors import bamboohr, jira, msgraph_directory, servicenow, zendesk
from connectors.errors import SourceAuthError, SourceRequestError
from connectors.privacy import Pseudonymiser
from pipelines.landing import ensure_tables, land_extractor, read_cursor
from pipelines.warehouse import initialise
from sandbox import SandboxServer, generate_organisation

pytestmark = pytest.mark.integration

KEY = "sandbox-test-pseudonym-key-42"
MODULES = {m.SOURCE.name: m for m in (jira, zendesk, servicenow, msgraph_directory, bamboohr)}
INCREMENTAL = ("jira", "zendesk", "servicenow")
SINGLE_PAGE = ("bamboohr", "msgraph_directory")  # at this size, one page of records
ROOT = Path(__file__).resolve().parents[2]


class Sleeps(list):
    """Records the waits the client asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def new_org():
    return generate_organisation(seed=1, employees=60, months=3)


@pytest.fixture(scope="module")
def server():
    with SandboxServer(new_org(), port=0) as s:
        yield s


@pytest.fixture(scope="module")
def baseline(server):
    """A clean full load of every source at the server's (fixed) simulated now."""
    return {name: snapshot(load(name, server.env())[0], name) for name in MODULES}


def extractors(name: str, env: dict, **client_options):
    module = MODULES[name]
    client_options.setdefault("sleep", Sleeps())
    return module.build(module.SOURCE.settings(env), Pseudonymiser(KEY), **client_options)


def load(name: str, env: dict, conn=None, run_id: str = "run", **client_options):
    if conn is None:
        conn = duckdb.connect()
        initialise(conn)
    reports = {x.name: land_extractor(conn, x, run_id) for x in extractors(name, env, **client_options)}
    return conn, reports


def snapshot(conn, name: str, *, extra: bool = True) -> dict[str, list[tuple]]:
    out = {}
    for specs in MODULES[name].SOURCE.extractors.values():
        ensure_tables(conn, specs)  # a killed run may not have reached every extractor
        for spec in specs:
            drop = "_run_id, _loaded_at" + ("" if extra else ", _extra")
            out[spec.table] = conn.execute(f"select * exclude ({drop}) from {spec.table} order by all").fetchall()
    return out


def quarantined(conn) -> list[tuple]:
    return conn.execute("select stream, record_id, reason, payload from quarantine.records").fetchall()


# --- full load -----------------------------------------------------------------------------------


def test_full_load_is_complete_and_pseudonymised(server, baseline):
    org, now = server.org, server.now
    tables = {t: rows for snap in baseline.values() for t, rows in snap.items()}
    assert len(tables["raw_jira.issues"]) == sum(1 for t in org.jira.tickets if t.created <= now)
    assert len(tables["raw_servicenow.incidents"]) == sum(1 for t in org.servicenow.tickets if t.created <= now)
    # Zendesk's export leaves out the last minute's changes.
    assert 0 < len(tables["raw_zendesk.tickets"]) <= sum(1 for t in org.zendesk.tickets if t.created <= now)
    assert len(tables["raw_zendesk.ticket_metrics"]) == len(tables["raw_zendesk.tickets"])
    assert len(tables["raw_bamboohr.employees"]) == sum(1 for e in org.people.employees if e.employed_on(now.date()))
    assert len(tables["raw_msgraph_directory.users"]) >= len(tables["raw_bamboohr.employees"])
    assert {r[1] for r in tables["raw_zendesk.groups"]} == set(org.zendesk.groups)
    assert {r[1] for r in tables["raw_servicenow.groups"]} == set(org.servicenow.groups)
    # Reassignments are there: Jira assignee items, Zendesk group changes, ServiceNow audit rows.
    assert any(r[5] == "assignee" for r in tables["raw_jira.issue_changes"])
    assert any(r[6] == "Change" and r[7] == "group_id" for r in tables["raw_zendesk.ticket_audit_events"])
    assert any(r[3] == "assignment_group" for r in tables["raw_servicenow.assignment_history"])
    # No e-mail, name or vendor user id anywhere in the raw tables.
    dump = json.dumps(tables, default=str)
    for e in org.people.employees:
        for secret in (e.email, e.display_name, e.jira_account_id, e.graph_id, e.servicenow_sys_id):
            assert secret not in dump, secret
    # The same person has the same key in every source that knows their e-mail.
    p = Pseudonymiser(KEY)
    someone = p.person_key(org.people.employees[0].email)
    for table, column in (("raw_msgraph_directory.users", 2), ("raw_bamboohr.employees", 2), ("raw_servicenow.users", 2)):
        assert someone in {r[column] for r in tables[table]}, table


# --- incremental, rerun, old cursor ---------------------------------------------------------------


@pytest.mark.parametrize("name", INCREMENTAL)
def test_incremental_run_matches_a_full_reload(name):
    with SandboxServer(new_org(), port=0) as s:
        conn, _ = load(name, s.env(), run_id="first")
        before = s.now
        again = load(name, s.env(), conn, run_id="again")[1]
        assert sum(r.rows for r in again.values() if r.extractor not in ("groups", "business_hours")) == 0  # nothing new yet (these two are re-read whole)
        s.advance(days=7)
        second = load(name, s.env(), conn, run_id="second")[1]
        fresh, _ = load(name, s.env())
        got, want = snapshot(conn, name), snapshot(fresh, name)
        if name == "zendesk":
            # The sandbox moves an agent's default group with their department without bumping the
            # user's updated_at, so no incremental export can see it; compare the other columns.
            for snap in (got, want):
                snap["raw_zendesk.users"] = sorted(r[:5] + r[6:] for r in snap["raw_zendesk.users"])
        assert got == want
        if name == "jira":  # exactly the issues created or changed since the first run
            changed = sum(1 for t in s.org.jira.tickets if t.created <= s.now and t.updated_at(s.now) > before)
            assert second["issues"].rows_by_table["issues"] == changed > 0
        total = sum(len(rows) for rows in snapshot(fresh, name).values())
        assert 0 < sum(r.rows for r in second.values()) < total


@pytest.mark.parametrize("name", INCREMENTAL)
def test_rerun_from_an_old_cursor_changes_nothing(server, baseline, name):
    conn, _ = load(name, server.env())
    old = {row[0]: row[1] for row in conn.execute("select extractor, state from meta.cursors where source = ?", [name]).fetchall()}
    assert old, "the first run committed cursors"
    conn.execute("delete from meta.cursors where source = ?", [name])  # oldest possible cursor: a full re-read
    load(name, server.env(), conn, run_id="rerun")
    assert snapshot(conn, name) == baseline[name]
    assert quarantined(conn) == []


# --- faults ---------------------------------------------------------------------------------------

TRANSPORT_FAULTS = {
    "rate_limit": {"retry_after": 2},
    "server_error": {"burst": 2, "status": 502},  # two 502s in a row
    "slow": {"delay": 3.0},  # past the 1.5 s read timeout below, which a loaded CI machine's normal page stays under
    "drop_connection": {},  # half a body, then the socket closes
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_transport_faults_end_in_complete_data(server, baseline, name):
    source = "msgraph" if name == "msgraph_directory" else name
    # Each kind fires once, one after another; single-page sources from their first request on
    # (five failures in a row, the sixth attempt succeeds), the others in the middle of the run.
    for kind, options in TRANSPORT_FAULTS.items():
        server.faults.set(source, kind, every=1 if name in SINGLE_PAGE else 2, times=1, **options)
    sleeps = Sleeps()
    try:
        conn, _ = load(name, server.env(), sleep=sleeps, timeout=(2.0, 1.5))
    finally:
        server.faults.clear(source)
    injected = {kind: server.faults.count(source, kind) for kind in TRANSPORT_FAULTS}
    assert injected == {"rate_limit": 1, "server_error": 2, "slow": 1, "drop_connection": 1}
    assert snapshot(conn, name) == baseline[name]
    assert len(sleeps) == 5  # every failed attempt (the 5xx burst is two) was retried
    assert 2.0 in sleeps  # Retry-After honoured


@pytest.mark.parametrize("name", sorted(MODULES))
def test_duplicates_and_new_fields_change_no_data(server, baseline, name):
    """A new field with a name in it lands nowhere and is listed by name; allow-listed, it lands in `_extra`."""
    source = "msgraph" if name == "msgraph_directory" else name
    server.faults.set(source, "duplicate_record", every=1)
    server.faults.set(source, "unknown_field", every=1, field_name="manager_name", field_value="Anouk Bos")
    try:
        conn, reports = load(name, server.env())
        allowed, _ = load(name, {**server.env(), f"{name.upper()}_EXTRA_FIELDS": "manager_name"})
    finally:
        server.faults.clear(source)
    assert snapshot(conn, name) == baseline[name]  # _extra included: nothing of the new field landed
    assert "Anouk" not in json.dumps(snapshot(conn, name), default=str)
    assert {"manager_name"} == {f for r in reports.values() for f in r.unknown_fields}
    assert ("manager_name",) in conn.execute("select distinct field from meta.unknown_fields").fetchall()
    assert quarantined(conn) == []
    extras = [json.loads(r[-1]) for rows in snapshot(allowed, name).values() for r in rows if r[-1]]
    assert extras and all(x == {"manager_name": "Anouk Bos"} for x in extras), "allow-listed, the field lands"
    assert snapshot(allowed, name, extra=False) == {t: [r[:-1] for r in rows] for t, rows in baseline[name].items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_malformed_records_are_quarantined_and_the_rest_lands(server, baseline, name):
    source = "msgraph" if name == "msgraph_directory" else name
    server.faults.set(source, "malformed_record", every=1 if name in SINGLE_PAGE else 2)
    try:
        conn, _ = load(name, server.env())
    finally:
        server.faults.clear(source)
    bad = quarantined(conn)
    assert len(bad) == server.faults.count(source, "malformed_record") > 0
    assert all("not-a-timestamp" in reason or "missing" in reason for _, _, reason, _ in bad)
    landed = snapshot(conn, name)
    for table, rows in landed.items():
        expected = set(baseline[name][table])
        if name == "bamboohr":  # reports of a quarantined supervisor cannot name them: compare the rest
            assert all(r[8] is None for r in rows if r[10] == "broken_record")
            rows, expected = [r[:8] + r[11:] for r in rows], {r[:8] + r[11:] for r in expected}
        assert set(rows) <= expected  # nothing wrong was landed
    lost = sum(len(baseline[name][t]) - len(rows) for t, rows in landed.items())
    assert lost >= len(bad)
    payloads = json.dumps([json.loads(p) for *_, p in bad])
    for e in server.org.people.employees:
        assert e.email not in payloads and e.display_name not in payloads


def test_wrong_credentials_fail_at_once_naming_the_variables(server):
    env = server.env()
    cases = {
        "jira": ("JIRA_API_TOKEN", "JIRA_EMAIL, JIRA_API_TOKEN"),
        "zendesk": ("ZENDESK_API_TOKEN", "ZENDESK_EMAIL, ZENDESK_API_TOKEN"),
        "servicenow": ("SERVICENOW_PASSWORD", "SERVICENOW_USER, SERVICENOW_PASSWORD"),
        "msgraph_directory": ("MSGRAPH_CLIENT_SECRET", "MSGRAPH_CLIENT_SECRET"),
        "bamboohr": ("BAMBOOHR_API_KEY", "BAMBOOHR_API_KEY"),
    }
    for name, (variable, named) in cases.items():
        sleeps = Sleeps()
        bad = {**env, variable: "wrong-secret-value-123"}
        with pytest.raises(SourceAuthError) as err:
            for x in extractors(name, bad, sleep=sleeps):
                list(x.batches(None))
        assert named in str(err.value) and "wrong-secret-value-123" not in str(err.value)
        assert sleeps == []


def test_a_source_that_keeps_failing_names_endpoint_and_attempts(server):
    server.faults.set("servicenow", "server_error", every=1, status=500)
    try:
        with pytest.raises(SourceRequestError, match=r"servicenow: GET /servicenow/api/now/table/\w+ failed after 3 attempts"):
            load("servicenow", server.env(), max_attempts=3)
    finally:
        server.faults.clear("servicenow")


# --- a killed run resumes --------------------------------------------------------------------------

KILLED_RUN = textwrap.dedent("""
    import json, os, signal, sys
    import duckdb
    from connectors import jira, servicenow, zendesk
    from connectors.privacy import Pseudonymiser
    from pipelines.landing import land_extractor
    from pipelines.warehouse import initialise

    name, env, path, kill_after = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    # Small pages, each batch its own transaction, so that the kill falls between batches of one extractor.
    builders = {
        "jira": lambda s, p: [jira.JiraIssuesExtractor(jira.make_client(s), p, page_size=20, pages_per_batch=1)],
        "zendesk": lambda s, p: [zendesk.ZendeskTicketsExtractor(zendesk.make_client(s), p, per_page=25)],
        # one page of tickets, then ticket events 40 audits a page: the kill falls among the events
        "zendesk_events": lambda s, p: [zendesk.ZendeskTicketsExtractor(zendesk.make_client(s), p,
                                                                        events_per_page=40)],
        "servicenow": lambda s, p: servicenow.build(s, p, page_size=10),
    }
    module = {"jira": jira, "zendesk": zendesk, "zendesk_events": zendesk, "servicenow": servicenow}[name]
    conn = duckdb.connect(path)
    initialise(conn)

    def progress(report):
        if report.batches >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup and no goodbye: a real kill

    for x in builders[name](module.SOURCE.settings(env), Pseudonymiser(sys.argv[5])):
        land_extractor(conn, x, "killed", progress=progress, max_group_rows=1)
""")


# a time cursor, an opaque one, and Zendesk's time-based ticket event export (one subprocess each)
@pytest.mark.parametrize("builder", ["jira", "zendesk", "zendesk_events"])
def test_killed_run_resumes_without_loss_or_duplicates(server, baseline, tmp_path, builder):
    name = builder.split("_")[0]
    path = tmp_path / "warehouse.duckdb"
    env = server.env()
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, builder, json.dumps(env), str(path), "3", KEY], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    conn = duckdb.connect(str(path))
    initialise(conn)
    (extractor,) = conn.execute("select extractor from meta.cursors where source = ? order by updated_at desc limit 1",
                                [name]).fetchone()
    assert read_cursor(conn, name, extractor) is not None, "the killed run committed batches with their cursor"
    assert snapshot(conn, name) != baseline[name], "the kill came before the end"
    if builder == "zendesk_events":
        assert "events_start_time" in read_cursor(conn, name, extractor), "the kill fell among the ticket events"
    load(name, env, conn, run_id="resumed")
    assert snapshot(conn, name) == baseline[name]


def test_bamboohr_unshared_directory_and_unknown_company_are_explained(server):
    from connectors.errors import ConfigError

    server.share_bamboohr_directory(False)
    try:
        with pytest.raises(SourceAuthError, match="does not share its employee directory"):
            load("bamboohr", server.env())
    finally:
        server.share_bamboohr_directory(True)
    env = {**server.env(), "BAMBOOHR_COMPANY": "nosuchco"}
    env["BAMBOOHR_BASE_URL"] = env["BAMBOOHR_BASE_URL"].rsplit("/", 1)[0] + "/{company}"
    with pytest.raises(ConfigError, match="Company not found.*BAMBOOHR_COMPANY"):
        load("bamboohr", env)
