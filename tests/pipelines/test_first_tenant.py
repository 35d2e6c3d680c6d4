"""A new tenant on the sandbox (sandbox/tenant.py): one directory export without job history, GitHub
Copilot only, refreshes 12 days apart against the same data refreshed daily.

One module fixture runs both cadences once: the first refresh (day 15) is shared, then the
"every 12 days" warehouse refreshes again on day 27 while the "daily" one lands every day from 16 to
26 (ingestion only: the vendor sees a daily client; a full build costs minutes) and refreshes fully
on day 27. The tests read the warehouses and publications it leaves.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from archipelago_testing import TEST_KEY, failures, isolated_env, materialize_everything, temp_instance

from connectors.privacy import Pseudonymiser

FIRST = dt.date(2026, 10, 15)
GAP_DAYS = 12
SECOND = FIRST + dt.timedelta(days=GAP_DAYS)
HISTORY_DAYS = 21  # usage reports read on the first refresh
# What a new tenant sets: the export's path (no snapshot date), GitHub, and the login -> e-mail file.
TENANT_VARIABLES = ("DIRECTORY_CSV_PATH", "GITHUB_ORG", "GITHUB_TOKEN", "GITHUB_BASE_URL", "IDENTITY_OVERRIDES_PATH")
# Three full refreshes and eleven landings: minutes, more than the default per-test timeout when the
# fixture is built under load.
pytestmark = pytest.mark.timeout(1800)
LANDED_GROUPS = ("raw_directory_csv", "raw_github_copilot", "raw_identity_overrides")


@dataclass
class Refresh:
    day: dt.date
    home: Path
    succeeded: bool
    failures: str
    kept: Path | None = None  # a copy of the publication, kept from later refreshes of the same home

    @property
    def published(self) -> Path:
        return self.kept or self.home / "published" / "marts.duckdb"


@dataclass
class TenantRuns:
    org: object
    first: Refresh
    second: Refresh  # 12 days later, nothing changed but the calendar
    daily: list[Refresh]  # days 16..27, one refresh a day, from a copy of the first


def _refresh(mp: pytest.MonkeyPatch, home: Path, server, day: dt.date, *, land_only: bool = False) -> Refresh:
    server.set_now(day)
    mp.setenv("ARCHIPELAGO_HOME", str(home))
    mp.setenv("ARCHIPELAGO_WAREHOUSE_PATH", str(home / "warehouse.duckdb"))
    mp.setenv("ARCHIPELAGO_TODAY", day.isoformat())
    selection = dg.AssetSelection.groups(*LANDED_GROUPS) if land_only else None
    result = materialize_everything(temp_instance(home.parent / f"instance-{home.name}-{day}"), selection=selection)
    return Refresh(day, home, result.success, failures(result))


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> TenantRuns:
    from sandbox import SandboxServer  # noqa: PLC0415
    from sandbox.tenant import small_tenant  # noqa: PLC0415

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("tenant")
    twelve, daily_home = root / "every_12_days", root / "daily"
    twelve.mkdir()
    isolated_env(mp, twelve)
    org = small_tenant(first_refresh=FIRST)
    server = SandboxServer(org, port=0, exports_dir=root / "exports").start()
    try:
        env = server.env()
        for name in TENANT_VARIABLES:
            mp.setenv(name, env[name])
        mp.setenv("GITHUB_COPILOT_BACKFILL_DAYS", str(HISTORY_DAYS))
        mp.setenv("ARCHIPELAGO_PRIVACY_K", "1")  # eleven people: every figure visible, so each can be checked
        first = _refresh(mp, twelve, server, FIRST)
        if first.succeeded:
            first.kept = Path(shutil.copy(first.published, root / "first_publication.duckdb"))
        shutil.copytree(twelve, daily_home)
        daily = [_refresh(mp, daily_home, server, FIRST + dt.timedelta(days=offset), land_only=offset < GAP_DAYS)
                 for offset in range(1, GAP_DAYS + 1)]
        second = _refresh(mp, twelve, server, SECOND)
        yield TenantRuns(org, first, second, daily)
    finally:
        server.stop()
        mp.undo()


def _rows(published: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(published), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_the_first_refresh_with_one_export_publishes_departments_for_the_whole_history(tenant):
    assert tenant.first.succeeded, tenant.first.failures
    days = _rows(tenant.first.published, "select usage_date, list(distinct department_id order by department_id) "
                 "from adoption.tool_usage_daily where tool = 'github_copilot' group by usage_date order by 1")
    first_report = FIRST - dt.timedelta(days=HISTORY_DAYS)
    assert days[0][0] <= first_report and days[-1][0] == FIRST - dt.timedelta(days=1)
    reported = [d for d in days if d[0] >= first_report]
    assert len(reported) == HISTORY_DAYS
    assert all(departments == ["engineering", "product"] for _, departments in reported), reported


def test_the_same_unchanged_export_twelve_days_later_publishes_again(tenant):
    assert tenant.second.succeeded, tenant.second.failures
    [(as_of,)] = _rows(tenant.second.published, "select max(as_of_date) from org.headcount_by_department")
    assert as_of == SECOND
    [(latest,)] = _rows(tenant.second.published, "select max(usage_date) from adoption.tool_usage_daily")
    assert latest == SECOND - dt.timedelta(days=1)


def test_daily_and_twelve_day_cadences_publish_the_same_marts(tenant):
    assert all(r.succeeded for r in tenant.daily), [r.failures for r in tenant.daily if not r.succeeded]
    twelve, daily = tenant.second.published, tenant.daily[-1].published
    tables = _rows(twelve, "select table_schema, table_name from information_schema.tables "
                   "where table_schema <> 'meta' order by 1, 2")
    assert tables == _rows(daily, "select table_schema, table_name from information_schema.tables "
                           "where table_schema <> 'meta' order by 1, 2")
    with duckdb.connect() as conn:
        conn.execute(f"attach '{twelve}' as twelve (read_only)")
        conn.execute(f"attach '{daily}' as daily (read_only)")
        for schema, table in tables:
            differ = conn.execute(
                f"select count(*) from ((select * from twelve.{schema}.{table} except all select * from daily.{schema}.{table}) "
                f"union all (select * from daily.{schema}.{table} except all select * from twelve.{schema}.{table}))"
            ).fetchone()[0]
            assert differ == 0, f"{schema}.{table}: {differ} rows differ between the cadences"


def test_a_removed_seat_ends_the_day_before_its_pending_cancellation(tenant):
    """Finn's seat has pending_cancellation_date 2026-10-20: seen on the first refresh only (12-day
    cadence), it still ends on the 19th."""
    with duckdb.connect(str(tenant.second.home / "warehouse.duckdb"), read_only=True) as conn:
        finn = Pseudonymiser(TEST_KEY).person_key("finn.bos@tenant.example")
        days = conn.execute("select min(seat_date), max(seat_date) from intermediate.int_adoption__seats_daily "
                            "where person_key = ? and tool = 'github_copilot'", [finn]).fetchone()
    assert days[1] == dt.date(2026, 10, 19)


def test_acceptance_rate_is_githubs_inline_completion_rate(tenant):
    """Accepted / suggested inline completions (the code_completion feature) of the department's users
    that day, as served in GitHub's users-1-day reports: chat code blocks count in neither."""
    from sandbox.server.github import GitHubApi  # noqa: PLC0415
    from sandbox.server.state import Credentials, ServerState  # noqa: PLC0415

    org = tenant.org
    api = GitHubApi(ServerState(org=org, faults=None, credentials=Credentials.for_seed(org.seed)))
    department = {e.github_login: e.history[0].department.lower() for e in org.people.employees if e.github_login}
    published = dict(((d, dept), rate) for d, dept, rate in _rows(
        tenant.second.published,
        "select usage_date, department_id, acceptance_rate from adoption.tool_usage_daily where tool = 'github_copilot'"))
    checked = mixed_differs = 0
    for offset in range(1, HISTORY_DAYS + GAP_DAYS):
        day = SECOND - dt.timedelta(days=offset)
        shown, accepted, totals = {}, {}, {}
        for record in api.records("users-1-day", day):
            [completion] = [f for f in record["totals_by_feature"] if f["feature"] == "code_completion"]
            dept = department[record["user_login"]]
            shown[dept] = shown.get(dept, 0) + completion["code_generation_activity_count"]
            accepted[dept] = accepted.get(dept, 0) + completion["code_acceptance_activity_count"]
            totals[dept] = (totals.get(dept, (0, 0))[0] + record["code_acceptance_activity_count"],
                            totals.get(dept, (0, 0))[1] + record["code_generation_activity_count"])
        for dept, n in shown.items():
            if n:
                assert published[(day, dept)] == pytest.approx(accepted[dept] / n), (day, dept)
                mixed_differs += abs(totals[dept][0] / totals[dept][1] - accepted[dept] / n) > 1e-9
                checked += 1
    assert checked >= HISTORY_DAYS and mixed_differs, "the case must tell GitHub's rate from totals over totals"


def test_chat_insertions_are_their_own_figure(tenant):
    """chat_code_insertions = the record's accepted code blocks minus the code_completion feature's,
    summed over the department's users that day, computed here from the records the sandbox serves."""
    from sandbox.server.github import GitHubApi  # noqa: PLC0415
    from sandbox.server.state import Credentials, ServerState  # noqa: PLC0415

    org = tenant.org
    api = GitHubApi(ServerState(org=org, faults=None, credentials=Credentials.for_seed(org.seed)))
    department = {e.github_login: e.history[0].department.lower() for e in org.people.employees if e.github_login}
    published = {(d, dept): (n, hidden) for d, dept, n, hidden in _rows(
        tenant.second.published,
        "select usage_date, department_id, chat_code_insertions, is_suppressed from adoption.tool_usage_daily "
        "where tool = 'github_copilot'")}
    checked = nonzero = 0
    for offset in range(1, HISTORY_DAYS + GAP_DAYS):
        day = SECOND - dt.timedelta(days=offset)
        inserted = {}
        for record in api.records("users-1-day", day):
            [completion] = [f for f in record["totals_by_feature"] if f["feature"] == "code_completion"]
            dept = department[record["user_login"]]
            chat = record["code_acceptance_activity_count"] - completion["code_acceptance_activity_count"]
            inserted[dept] = inserted.get(dept, 0) + chat
        for dept, n in inserted.items():
            figure, hidden = published[(day, dept)]
            assert figure == (None if hidden else n), (day, dept)
            checked += not hidden
            nonzero += bool(figure)
    assert checked >= HISTORY_DAYS and nonzero, "the case must have chat insertions to count"
