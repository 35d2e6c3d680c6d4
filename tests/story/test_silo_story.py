"""The silo story of docs/sandbox_story.md §3 as the published silo marts show it.

Reads the session build of the demo organisation (seed 42, 300 employees, 12 months to 2026-10-31)
read-only. The steering group (Sales, Customer Support, Engineering) starts 2026-08-01 and cuts
handoffs and ping-pong of tickets that start in its departments by 40%; the other departments are
the comparison group.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

STEERING_START = dt.date(2026, 8, 1)
STEERING_CUT = 0.40
# Seed 42 at 300 employees: the observed cut scatters around the documented 40% (the story page
# reports -15% .. -45% across seeds); 12 points either side holds for this seed.
CUT_TOLERANCE = 0.12
# Resolution weeks that straddle the start date mix both regimes: left out of before and after.
BEFORE_END = STEERING_START - dt.timedelta(days=7)
AFTER_START = STEERING_START + dt.timedelta(days=7)


@pytest.fixture(scope="module")
def published(story_build):
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        yield conn


def _pingpong_rate(conn, department: str, before: bool) -> tuple[float, int]:
    window = "week_start < ?" if before else "week_start >= ?"
    bound = BEFORE_END if before else AFTER_START
    pingpong, resolved = conn.execute(
        f"""
        select sum(pingpong_tickets_resolved), sum(tickets_resolved)
        from silo.department_openness_weekly
        where department_name = ? and {window}
        """,
        [department, bound],
    ).fetchone()
    return pingpong / resolved, resolved


def test_sales_pingpong_path_shows_in_the_handoff_matrix(published):
    # Sales -> Support (Tier 1) -> Engineering (Escalations) -> Support (Tier 2): every leg is there,
    # and the last leg is a return to a department the ticket had left.
    legs = dict(
        ((f, t), (n, r))
        for f, t, n, r in published.execute(
            """
            select from_department, to_department, sum(handoffs), sum(returning_handoffs)
            from silo.handoffs_weekly group by 1, 2
            """
        ).fetchall()
    )
    assert legs[("Sales", "Customer Support")][0] > 100
    assert legs[("Customer Support", "Engineering")][0] > 100
    eng_to_support, returns = legs[("Engineering", "Customer Support")]
    assert eng_to_support > 100 and returns > 0.5 * eng_to_support
    # A group change inside Customer Support (Tier 1 -> Tier 2) is no handoff.
    assert ("Customer Support", "Customer Support") not in legs


def test_sales_pingpong_rate_falls_after_the_steering_group_by_the_documented_amount(published):
    before, n_before = _pingpong_rate(published, "Sales", before=True)
    after, n_after = _pingpong_rate(published, "Sales", before=False)
    assert n_before > 300 and n_after > 100
    # Baseline: 30% of Sales Desk tickets and of SALES issues ping-pong.
    assert 0.22 <= before <= 0.38, before
    cut = 1 - after / before
    assert abs(cut - STEERING_CUT) <= CUT_TOLERANCE, f"ping-pong {before:.3f} -> {after:.3f}: cut {cut:.1%}"


def test_comparison_departments_do_not_change(published):
    # IT's incidents are sent back from Application Support, HR or Finance at the same rate throughout.
    before, _ = _pingpong_rate(published, "IT", before=True)
    after, _ = _pingpong_rate(published, "IT", before=False)
    assert 0.01 <= before <= 0.10
    assert abs(after - before) <= 0.03, (before, after)


def test_steering_departments_hand_off_less(published):
    # Handoffs out of Sales, Support and Engineering per ticket they started fall by about 40%;
    # the comparison group's do not.
    def per_ticket(departments: tuple[str, ...], before: bool) -> float:
        window = "week_start < ?" if before else "week_start >= ?"
        out, created = published.execute(
            f"""
            select sum(handoffs_out), sum(tickets_created) from silo.department_openness_weekly
            where department_name in ({", ".join("?" for _ in departments)}) and {window}
            """,
            [*departments, BEFORE_END if before else AFTER_START],
        ).fetchone()
        return out / created

    steering = ("Sales", "Customer Support", "Engineering")
    comparison = ("Finance", "HR", "IT", "Marketing", "Operations", "Product")
    steering_change = per_ticket(steering, False) / per_ticket(steering, True) - 1
    comparison_change = per_ticket(comparison, False) / per_ticket(comparison, True) - 1
    assert steering_change < -0.2, steering_change
    assert abs(comparison_change) < 0.2, comparison_change
    assert steering_change < comparison_change - 0.15


def test_ei_index_and_openness_are_sane(published):
    rows = published.execute(
        """
        select department_name, count(*), count(ei_index), min(ei_index), max(ei_index), avg(ei_index),
               min(organisation_openness), max(organisation_openness), bool_and(is_suppressed = (ei_index is null
                   and (people_with_ties is null)))
        from silo.department_openness_weekly group by 1
        """
    ).fetchall()
    assert {r[0] for r in rows} >= {"Sales", "Customer Support", "Engineering", "IT", "Marketing"}
    for name, _weeks, _published_weeks, low, high, _mean, org_low, org_high, _ in rows:
        assert -1 <= low <= high <= 1, name
        assert 0 < org_low <= org_high < 1
    by_name = {r[0]: r for r in rows}
    # The big departments have ties with at least k people almost every week.
    for name in ("Customer Support", "Engineering", "Sales"):
        _, weeks, published_weeks, *_ = by_name[name]
        assert published_weeks >= 0.8 * weeks, name
    # Tickets cross departments by design (requesters, escalations): most ties are outward.
    assert 0 < by_name["Sales"][5] < 1


def test_suppressed_rows_hide_every_tie_figure(published):
    leaked = published.execute(
        """
        select count(*) from silo.department_openness_weekly
        where is_suppressed and (ei_index is not null or openness is not null or ties_external is not null
                                 or ties_internal is not null or people_with_ties is not null)
        """
    ).fetchone()[0]
    small = published.execute(
        "select min(people_with_ties) from silo.department_openness_weekly where not is_suppressed"
    ).fetchone()[0]
    assert leaked == 0 and small >= 5


def test_handoff_matrix_totals_agree_with_department_totals(published):
    matrix, out, into = published.execute(
        """
        select (select sum(handoffs) from silo.handoffs_weekly),
               (select sum(handoffs_out) from silo.department_openness_weekly),
               (select sum(handoffs_in) from silo.department_openness_weekly)
        """
    ).fetchone()
    assert matrix == out == into > 1000
    mismatched = published.execute(
        """
        with row_sums as (
            select week_start, from_department_id as department_id, sum(handoffs) as n
            from silo.handoffs_weekly group by 1, 2
        )
        select count(*) from silo.department_openness_weekly as d
        left join row_sums as r on r.week_start = d.week_start and r.department_id = d.department_id
        where d.handoffs_out <> coalesce(r.n, 0)
        """
    ).fetchone()[0]
    assert mismatched == 0


def test_boundary_wait_matches_the_story(published):
    # Median boundary wait: about 5 hours on Zendesk, 8 on Jira; business hours never exceed calendar.
    calendar, business = published.execute(
        """
        select sum(boundary_wait_calendar_hours_median * handoffs_with_response) / sum(handoffs_with_response),
               sum(boundary_wait_business_hours_median * handoffs_with_response) / sum(handoffs_with_response)
        from silo.handoffs_weekly where handoffs_with_response > 0
        """
    ).fetchone()
    assert 3 <= calendar <= 12, calendar
    assert 0 <= business <= calendar


def test_no_person_key_is_published(published):
    columns = published.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'silo'"
    ).fetchall()
    assert {t for t, _ in columns} >= {"handoffs_weekly", "department_openness_weekly"}
    assert not [c for _, c in columns if "person" in c.lower()]


def test_most_epics_are_cross_functional(published, story_build):
    # Story: about 1 issue in 40 belongs to an epic, and most epics have children in 2-3 departments.
    cross, single, cross_lead = published.execute(
        """
        select sum(case when is_cross_functional then epics_resolved else 0 end),
               sum(case when not is_cross_functional then epics_resolved else 0 end),
               sum(case when is_cross_functional then lead_time_days_mean * epics_resolved end)
                   / sum(case when is_cross_functional then epics_resolved end)
        from silo.epic_lead_time_monthly
        """
    ).fetchone()
    assert cross > single and cross + single > 20
    assert cross_lead > 0
