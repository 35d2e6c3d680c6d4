"""GitHub Copilot, OpenAI, Typeform and Qualtrics against the sandbox: full load, incremental run after
advance(), idempotent rerun, resume after a kill, and injected faults ending in complete data or a clear error."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors import github_copilot, openai_usage, qualtrics, typeform
from connectors.privacy import Pseudonymiser
from pipelines.landing import land_extractor
from pipelines.warehouse import connect
from sandbox import SandboxServer, generate_organisation

pytestmark = pytest.mark.integration
P = Pseudonymiser("sandbox-test-key-0123456789")
SOURCES = (github_copilot, openai_usage, typeform, qualtrics)


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(generate_organisation(seed=1, employees=60, months=3), port=0) as server:
        yield server


@pytest.fixture
def env(sandbox):
    sandbox.faults.clear()
    yield {**sandbox.env(), "GITHUB_COPILOT_BACKFILL_DAYS": "150", "OPENAI_USAGE_BACKFILL_DAYS": "150"}
    sandbox.faults.clear()


def extractors(module, env):
    out = module.SOURCE.build(module.SOURCE.settings(env), P)
    for ext in out:
        if isinstance(ext, qualtrics.QualtricsExtractor):
            ext.poll_first = 0.05  # the sandbox answers inProgress twice
    return out


def truth(org) -> dict[str, int]:
    """What each source should land, from the generator itself."""
    today = org.now.date()
    gh, oa = org.usage.tools["github_copilot"], org.usage.tools["openai"]
    gh_cols = max(0, min(gh.day_index(today), gh.n_days))
    oa_cols = max(0, min(oa.day_index(today), oa.n_days))
    surveys = {s: [r for r in org.surveys if r.source == s and r.submitted_at <= org.now] for s in ("typeform", "qualtrics")}
    return {
        "github_user_days": int(gh.active[:, :gh_cols].sum()),
        "openai_requests": int((oa.intensity[:, :oa_cols] * oa.active[:, :oa_cols]).sum()),
        "typeform_responses": len(surveys["typeform"]),
        "typeform_answers": sum(len(r.answers) for r in surveys["typeform"]),
        "qualtrics_responses": len(surveys["qualtrics"]),
        "qualtrics_answers": sum(len(r.answers) for r in surveys["qualtrics"]),
    }


LANDED_SQL = {
    "github_user_days": "select count(*) from raw_github_copilot.user_day_usage",
    "openai_requests": "select coalesce(sum(num_model_requests), 0) from raw_openai.completions_usage",
    "typeform_responses": "select count(*) from raw_typeform.responses",
    "typeform_answers": "select count(*) from raw_typeform.answers",
    "qualtrics_responses": "select count(*) from raw_qualtrics.responses",
    "qualtrics_answers": "select count(*) from raw_qualtrics.answers",
}
PREFIX = {github_copilot: "github", openai_usage: "openai", typeform: "typeform", qualtrics: "qualtrics"}


def landed(conn, modules=SOURCES) -> dict[str, int]:
    keys = [k for k in LANDED_SQL if any(k.startswith(PREFIX[m] + "_") for m in modules)]
    return {k: conn.execute(LANDED_SQL[k]).fetchone()[0] for k in keys}


def land_all(conn, env, run_id):
    for module in SOURCES:
        for ext in extractors(module, env):
            land_extractor(conn, ext, run_id)


def test_full_incremental_idempotent(sandbox, env, tmp_path):
    with connect(tmp_path / "wh.duckdb") as conn:
        land_all(conn, env, "full")
        assert landed(conn) == truth(sandbox.org)
        seats = conn.execute("select count(*), count(seat_created_at) from raw_github_copilot.seats").fetchone()
        members = conn.execute("select count(*), count(person_key) from raw_openai.members").fetchone()
        assert seats[0] == seats[1] > 0 and members[0] == members[1] > 0
        assert conn.execute("select count(*) from quarantine.records").fetchone()[0] == 0
        unmapped = conn.execute("select count(*) from raw_typeform.questions where not is_mapped").fetchone()[0]
        assert unmapped == 0
        sandbox.advance(days=3)
        land_all(conn, env, "incremental")
        after = landed(conn)
        assert after == truth(sandbox.org)
        land_all(conn, env, "rerun")
        assert landed(conn) == after
        dupes = conn.execute("select count(*) - count(distinct (day, identity_key)) from raw_github_copilot.user_day_usage").fetchone()[0]
        assert dupes == 0


class Killed(Exception):
    pass


def test_resume_after_a_kill_loses_and_duplicates_nothing(sandbox, env, tmp_path, monkeypatch):
    # Several batches, each its own transaction, so that the kill lands mid-run.
    monkeypatch.setattr(github_copilot, "BATCH_ROWS", 300)
    monkeypatch.setattr(qualtrics, "BATCH_RESPONSES", 10)

    def kill_after_first_batch(report):
        raise Killed(report.extractor)

    with connect(tmp_path / "wh.duckdb") as conn:
        for module in SOURCES:
            for ext in extractors(module, env):
                with pytest.raises(Killed):
                    land_extractor(conn, ext, "killed", progress=kill_after_first_batch, max_group_rows=1)
        land_all(conn, env, "resumed")
        assert landed(conn) == truth(sandbox.org)


def _typeform_lost(org, response_id):
    answers = next(len(r.answers) for r in org.surveys if r.response_id == response_id)
    return {"typeform_responses": 1, "typeform_answers": answers}


# The one malformed record each source receives: the stream it is quarantined in, and what it takes
# out of `landed`. Seats and members are not counted there; Qualtrics loses nothing, since a response
# without `responseId` still carries its id in values._recordId.
MALFORMED = {github_copilot: ("seats", None), openai_usage: ("members", None),
             typeform: ("responses", _typeform_lost), qualtrics: (None, None)}


@pytest.mark.parametrize("module", SOURCES, ids=lambda m: m.SOURCE.name)
def test_injected_faults_end_in_complete_data_or_quarantine(sandbox, env, tmp_path, module):
    source = PREFIX[module]
    faults = sandbox.faults
    before = len(faults.injected)
    # three failing requests in a row (429, 502, a body cut mid-stream), then a page with a duplicate,
    # a field never seen before and a malformed record. The cut body already carried the first page of
    # records, so record faults hit the second page served, except for Qualtrics, whose first requests
    # start the export and whose records come in the one file download.
    faults.set(source, "rate_limit", every=1, times=1, retry_after=0)
    faults.set(source, "server_error", every=1, times=1, status=502)
    faults.set(source, "drop_connection", every=1, times=1)
    for kind in ("duplicate_record", "unknown_field", "malformed_record"):
        faults.set(source, kind, every=1 if module is qualtrics else 2, times=1)
    with connect(tmp_path / "wh.duckdb") as conn:
        for ext in extractors(module, env):
            land_extractor(conn, ext, "faulty")
        got, want = landed(conn, [module]), truth(sandbox.org)
        rejects = conn.execute("select stream, reason, record_id from quarantine.records").fetchall()
    fired = {kind for _, kind, _ in faults.injected[before:]}
    assert fired == {"rate_limit", "server_error", "drop_connection", "duplicate_record", "unknown_field", "malformed_record"}
    stream, lost = MALFORMED[module]
    assert [r[0] for r in rejects] == ([stream] if stream else [])
    assert all(reason.strip() for _, reason, _ in rejects)
    missing = lost(sandbox.org, rejects[0][2].split("/")[-1]) if lost else {}
    for key in got:
        assert got[key] == want[key] - missing.get(key, 0), (key, rejects)


def test_m365_copilot_snapshots_licences_and_concealed_names(sandbox, env, tmp_path):
    from connectors import m365_copilot

    def report_truth():
        org = sandbox.org
        refresh = org.now.date() - dt.timedelta(days=2)  # the report lags the current day
        seats = org.usage.tools["m365_copilot"].seats
        return refresh, sum(1 for s in seats if s.start <= refresh and (s.end is None or s.end > refresh))

    with connect(tmp_path / "wh.duckdb") as conn:
        licences, usage = extractors(m365_copilot, env)
        land_extractor(conn, licences, "r1")
        land_extractor(conn, usage, "r1")
        skus = licences.client.get_json("/v1.0/subscribedSkus")["value"]
        consumed = next(s["consumedUnits"] for s in skus if s["skuPartNumber"] == "Microsoft_365_Copilot")
        held = conn.execute("select count(*), count(licensed_since), count(person_key) from raw_m365_copilot.licences").fetchone()
        assert held == (consumed, consumed, consumed) and consumed > 0
        refresh, users = report_truth()
        snaps = conn.execute("select report_refresh_date, count(*) from raw_m365_copilot.usage_user_detail group by 1").fetchall()
        assert snaps == [(refresh, users)]
        sandbox.advance(days=1)
        land_extractor(conn, usage, "r2")
        refresh2, users2 = report_truth()
        snaps = conn.execute("select report_refresh_date, count(*) from raw_m365_copilot.usage_user_detail "
                             "group by 1 order by 1").fetchall()
        assert snaps == [(refresh, users), (refresh2, users2)]  # one snapshot per refresh date, side by side
        sandbox.conceal_graph_names(True)
        try:
            report = land_extractor(conn, usage, "r3")
        finally:
            sandbox.conceal_graph_names(False)
        assert report.rows == 0 and report.rejects == users2
        (reason,) = report.reject_reasons
        assert reason.startswith("concealed user names") and "displayConcealedNames=false" in reason


def test_m365_copilot_faults_end_in_complete_data_or_quarantine(sandbox, env, tmp_path):
    from connectors import m365_copilot

    _, usage = extractors(m365_copilot, env)
    faults = sandbox.faults
    before = len(faults.injected)
    # the token request takes the 429, the 502 and the cut body; the report page the record faults
    faults.set("msgraph", "rate_limit", every=1, times=1, retry_after=0)
    faults.set("msgraph", "server_error", every=1, times=1, status=502)
    faults.set("msgraph", "drop_connection", every=1, times=1)
    for kind in ("duplicate_record", "unknown_field", "malformed_record"):
        faults.set("msgraph", kind, every=1, times=1)
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, usage, "faulty")
        rows = conn.execute("select count(*), count(distinct person_key) from raw_m365_copilot.usage_user_detail").fetchone()
        extra = conn.execute("select count(*) from raw_m365_copilot.usage_user_detail where _extra is not null").fetchone()[0]
        listed = conn.execute("select extractor, field from meta.unknown_fields").fetchall()
    org = sandbox.org
    refresh = org.now.date() - dt.timedelta(days=2)
    users = sum(1 for s in org.usage.tools["m365_copilot"].seats if s.start <= refresh and (s.end is None or s.end > refresh))
    assert {k for _, k, _ in faults.injected[before:]} == {
        "rate_limit", "server_error", "drop_connection", "duplicate_record", "unknown_field", "malformed_record"}
    assert rows == (users - 1, users - 1)  # the duplicate merged, the malformed row quarantined
    assert list(report.reject_reasons) == ["usage report: userPrincipalName is missing"]
    # the new field is not landed, but listed by name
    assert extra == 0 and report.unknown_fields == ["x_sandbox_new_field"]
    assert listed == [("usage_user_detail", "x_sandbox_new_field")]


FAULT_SOURCE = {github_copilot: "github", openai_usage: "openai", typeform: "typeform", qualtrics: "qualtrics"}


@pytest.mark.parametrize("module", [*SOURCES, "m365_copilot"], ids=lambda m: getattr(m, "SOURCE_NAME", m))
def test_a_new_field_with_a_name_is_listed_and_lands_only_when_allow_listed(sandbox, env, tmp_path, module):
    from connectors import m365_copilot

    module = m365_copilot if module == "m365_copilot" else module
    sandbox.faults.set(FAULT_SOURCE.get(module, "msgraph"), "unknown_field", every=1, field_name="manager_name",
                       field_value="Anouk Bos")
    small = {**env, "GITHUB_COPILOT_BACKFILL_DAYS": "7", "OPENAI_USAGE_BACKFILL_DAYS": "7"}
    tables = [s.table for s in module.SOURCE.specs()]

    def land(conn, settings):
        reports = [land_extractor(conn, x, "r") for x in extractors(module, settings)]
        extras = [json.loads(e) for t in tables for (e,) in conn.execute(f"select _extra from {t} where _extra is not null").fetchall()]
        anywhere = sum(conn.execute(f"select count(*) from {t} where {t}::varchar like '%Anouk%'").fetchone()[0] for t in tables)
        return {f for r in reports for f in r.unknown_fields}, extras, anywhere

    with connect(tmp_path / "default.duckdb") as conn:
        listed, extras, anywhere = land(conn, small)
    assert listed == {"manager_name"} and extras == [] and anywhere == 0
    allow = f"{module.SOURCE.name.upper()}_EXTRA_FIELDS"
    with connect(tmp_path / "allowed.duckdb") as conn:
        listed, extras, anywhere = land(conn, {**small, allow: "manager_name"})
    assert listed == set() and extras and all(x == {"manager_name": "Anouk Bos"} for x in extras) and anywhere > 0
