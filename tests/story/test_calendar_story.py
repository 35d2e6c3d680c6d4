"""The demo organisation on its working calendars (config/calendars.yml and Zendesk's "Support
shifts"), as the session build shows them: docs/sandbox_story.md, "Working calendars".

Office hours in Amsterdam for most departments, a split-day IT service desk, and Customer Support's
Zendesk groups on the shift schedule it keeps in Zendesk (08:00-20:00 weekdays, 10:00-16:00 weekends).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
from collections import defaultdict

import duckdb
import pytest

from pipelines.assets.dbt import DBT_PROJECT_DIR, dbt_executable
from pipelines.calendars import land_calendars

SHIFTS = "zendesk:Support shifts"


@pytest.fixture(scope="module")
def warehouse(story_build):
    with duckdb.connect(str(story_build.warehouse), read_only=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def published(story_build):
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        yield conn


def clocks(conn):
    """clock(schedule, t): working seconds before t, from the landed rows (the lookup the models do)."""
    rows = defaultdict(list)
    for schedule_id, day, start, end, before in conn.execute(
        "select schedule_id, utc_date, start_at, end_at, seconds_before from raw_calendar.working_intervals"
    ).fetchall():
        rows[(schedule_id, day)].append((start, end, before))

    def clock(schedule_id, at):
        return max(before + (min(at, end) - start).total_seconds()
                   for start, end, before in rows[(schedule_id, at.date())] if start <= at)
    return clock


def answered(conn):
    return conn.execute(
        """
        select ticket_system, to_department, waiting_schedule_id, handoff_at, first_response_at,
               boundary_wait_business_hours
        from intermediate.int_tickets__handoffs where first_response_at is not null
        """
    ).fetchall()


def test_the_demo_runs_on_the_calendar_file_and_zendesks_schedule(warehouse):
    origins = dict(warehouse.execute("select schedule_id, origin from raw_calendar.schedules").fetchall())
    assert origins == {"office": "config", "service_desk": "config", SHIFTS: "zendesk"}
    waiting = set(warehouse.execute(
        "select distinct ticket_system, to_department, waiting_schedule_id from intermediate.int_tickets__handoffs"
    ).fetchall())
    # Support's Zendesk groups are not in the file: Zendesk's schedule. Its Jira tickets: the default.
    assert ("zendesk", "Customer Support", SHIFTS) in waiting
    assert ("jira", "Customer Support", "office") in waiting
    assert ("zendesk", "Engineering", "office") in waiting
    # The ServiceNow Service Desk group is assigned its split day in the file.
    assert ("servicenow", "IT", "service_desk") in waiting


def test_every_business_wait_is_the_waiting_schedules_clock(warehouse):
    clock = clocks(warehouse)
    rows = answered(warehouse)
    assert len(rows) > 2000
    for _, _, schedule_id, start, end, business in rows:
        # To the second: SQL counts whole seconds at each end.
        assert business == pytest.approx((clock(schedule_id, end) - clock(schedule_id, start)) / 3600, abs=2 / 3600)


def test_supports_zendesk_waits_count_its_evening_and_weekend_shifts(warehouse):
    # The sandbox's people answer in UTC office hours, so a handoff late in the day is answered the
    # next morning: before Amsterdam office hours start, while Support's early shift is on.
    clock = clocks(warehouse)
    support = [(s, e, b) for system, dept, _, s, e, b in answered(warehouse)
               if system == "zendesk" and dept == "Customer Support"]
    on_shifts = statistics.median(b for _, _, b in support)
    on_office_hours = statistics.median((clock("office", e) - clock("office", s)) / 3600 for s, e, _ in support)
    assert 1.0 <= on_shifts <= 1.8, on_shifts
    assert on_office_hours <= 0.25, on_office_hours


def test_passed_on_and_open_handoffs_have_no_wait_and_their_own_columns(warehouse, published):
    leftovers = warehouse.execute(
        """
        select count(*) from intermediate.int_tickets__handoffs
        where (is_passed_on or is_open) and (boundary_wait_calendar_hours is not null or boundary_wait_business_hours is not null)
        """
    ).fetchone()[0]
    assert leftovers == 0
    totals = dict((d, (n, r, p, o)) for d, n, r, p, o in published.execute(
        """
        select to_department, sum(handoffs), sum(handoffs_with_response), sum(handoffs_passed_on), sum(handoffs_open)
        from silo.handoffs_weekly group by 1
        """
    ).fetchall())
    assert all(n == r + p + o for n, r, p, o in totals.values())
    # ServiceNow incidents that leave the Service Desk and come back: Finance Systems passes some
    # on without a word (ping-pong from inside).
    assert totals["Finance"][2] > 10
    by_department = dict(published.execute(
        "select department_name, sum(handoffs_in_passed_on) from silo.department_openness_weekly group by 1"
    ).fetchall())
    assert by_department["Finance"] == totals["Finance"][2]


def test_first_reply_in_business_minutes_on_the_first_groups_schedule(published):
    support, sales = (published.execute(
        """
        select sum(tickets_replied), median(median_first_reply_minutes), median(median_first_reply_business_minutes)
        from value_chain.ticket_outcomes_monthly where department_name = ?
        """, [department]).fetchone() for department in ("Customer Support", "Sales"))
    for replied, calendar, business in (support, sales):
        assert replied > 100 and 0 < business < calendar
    # Support's shifts cover more of the day than the office hours Sales keeps.
    assert support[2] > sales[2]


def test_an_edited_calendar_recomputes_every_ticket_in_the_next_incremental_run(story_build, tmp_path):
    warehouse = tmp_path / story_build.warehouse.name  # same name: views name their catalog after the file
    shutil.copy(story_build.warehouse, warehouse)
    edited = tmp_path / "calendars.yml"
    text = (DBT_PROJECT_DIR.parent / "config" / "calendars.yml").read_text()
    edited.write_text(text.replace('mon-fri: "09:00-17:00"', 'mon-fri: "08:00-18:00"'))
    with duckdb.connect(str(warehouse)) as conn:
        before = conn.execute("select changed_at from raw_calendar.calendar_version").fetchone()[0]
        land_calendars(conn, {"ARCHIPELAGO_CALENDARS_PATH": str(DBT_PROJECT_DIR.parent / "config" / "calendars.yml")})
        assert conn.execute("select changed_at from raw_calendar.calendar_version").fetchone()[0] == before
        land_calendars(conn, {"ARCHIPELAGO_CALENDARS_PATH": str(edited)})
        assert conn.execute("select changed_at from raw_calendar.calendar_version").fetchone()[0] > before
    subprocess.run(
        [dbt_executable(), "run", "--quiet", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
         "--select", "int_tickets__handoffs"],
        cwd=DBT_PROJECT_DIR, env={**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse)}, check=True,
    )
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        clock = clocks(conn)
        office = [(s, e, b) for _, _, sid, s, e, b in answered(conn) if sid == "office"]
        assert len(office) > 1000
        for start, end, business in office:
            assert business == pytest.approx((clock("office", end) - clock("office", start)) / 3600, abs=2 / 3600)
        # The longer office day shows: a handoff answered at 08:30 local now waited.
        assert sum(b for _, _, b in office) > sum(b for _, _, b in (
            (s, e, b) for _, _, sid, s, e, b in answered_in(story_build.warehouse) if sid == "office"))


def answered_in(path):
    with duckdb.connect(str(path), read_only=True) as conn:
        return answered(conn)
