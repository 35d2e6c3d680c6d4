"""The KPI scorecard of docs/metrics.md#kpiscorecard_monthly on the demo organisation: nine KPIs at most, the shared CSAT
target owned by Sales, Customer Support and Product, and Support's pilot KPIs on track."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

LAST_MONTH = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def published(story_build):
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        yield conn


def test_at_most_nine_kpis_per_department_and_month(published):
    most = published.execute(
        "select max(n) from (select count(*) as n from kpi.scorecard_monthly group by month_start, department_id)"
    ).fetchone()[0]
    assert 1 <= most <= 9


def test_shared_csat_is_one_value_for_sales_support_and_product(published):
    rows = published.execute(
        """
        select department_id, owner_departments, current_value, target_value
        from kpi.scorecard_monthly where kpi = 'csat_good_share' and is_shared and month_start = ?
        order by department_id
        """,
        [LAST_MONTH],
    ).fetchall()
    assert [r[0] for r in rows] == ["customer_support", "product", "sales"]
    assert len({r[2] for r in rows}) == 1 and len({r[1] for r in rows}) == 1
    assert rows[0][3] == pytest.approx(0.9)


def test_support_pilot_kpis(published):
    rows = dict(
        (kpi, (baseline, current, status))
        for kpi, baseline, current, status in published.execute(
            """
            select kpi, baseline_value, current_value, status from kpi.scorecard_monthly
            where department_id = 'customer_support' and month_start = ?
            """,
            [LAST_MONTH],
        ).fetchall()
    )
    assert rows["median_first_reply_minutes"][1] < 0.8 * rows["median_first_reply_minutes"][0]
    assert rows["training_completion_share"][2] == "on_track"
    assert rows["hours_saved"][1] > 0 and rows["hours_saved"][0] == 0
    assert rows["weekly_active_ai_users_share"][1] > rows["weekly_active_ai_users_share"][0]
