"""Freshness relative to source activity: a quiet small organisation is current; a mart behind its
sources, or sources that stopped landing, are stale."""

import datetime as dt

import pytest

from expectations.spec import SuiteContext
from expectations.suites.silo_epic_lead_time_monthly import sql_expectations
from pipelines.quality import run_sql_expectations
from pipelines.warehouse import connect

TODAY = dt.date(2026, 11, 1)
CTX = SuiteContext(privacy_k=5, department_ids=frozenset(), today=TODAY)


@pytest.fixture
def warehouse(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as conn:
        conn.execute("create schema raw_jira")
        conn.execute("create table raw_jira.issues (issue_type varchar, updated_at timestamp, resolved_at timestamp)")
        conn.execute("create table marts.epic_lead_time_monthly (month_start date)")
        yield conn


def freshness(conn, *, last_epic: str, mart_month: str, landed: str) -> tuple[bool, str]:
    conn.execute("delete from raw_jira.issues; delete from marts.epic_lead_time_monthly; delete from meta.ingestion_runs")
    conn.execute(f"insert into raw_jira.issues values ('Epic', timestamp '{last_epic}', timestamp '{last_epic}'), "
                 f"('Story', timestamp '{landed}', null)")
    conn.execute(f"insert into marts.epic_lead_time_monthly values (date '{mart_month}')")
    conn.execute("insert into meta.ingestion_runs values ('r', 'jira', 'issues', ?, ?, 'succeeded', 1, 1, 0, null)",
                 [dt.datetime.fromisoformat(landed), dt.datetime.fromisoformat(landed)])
    [outcome] = [o for o in run_sql_expectations(conn, "silo.epic_lead_time_monthly", "marts.epic_lead_time_monthly",
                                                 sql_expectations(CTX)) if o.expectation.startswith("freshness")]
    return outcome.success, outcome.observed_value


def test_no_epic_closed_lately_is_current_when_jira_is_landing(warehouse):
    # the 80 x 3 demo: the last epic closed three months ago; Jira landed today
    ok, observed = freshness(warehouse, last_epic="2026-07-20", mart_month="2026-07-01", landed="2026-11-01")
    assert ok, observed


def test_a_mart_behind_its_sources_is_stale(warehouse):
    ok, observed = freshness(warehouse, last_epic="2026-10-20", mart_month="2026-06-01", landed="2026-11-01")
    assert not ok and observed == "latest 2026-06-01; sources: latest activity 2026-10-20, last landed 2026-11-01"


def test_sources_that_stopped_landing_are_stale(warehouse):
    ok, observed = freshness(warehouse, last_epic="2026-07-20", mart_month="2026-07-01", landed="2026-08-01")
    assert not ok and observed.endswith("last landed 2026-08-01")
