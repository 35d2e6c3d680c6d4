"""The privacy rule on every published table of the demo organisation, and periods that say they are partial.

The story build publishes with k = 5. A copy of its warehouse rebuilds the marts with k = 1 (nothing
suppressed: every group's true size) and a run date inside October (so October is a partial month).
Per published table and privacy rule (read from the models' meta, as the blocking check reads it), a
group of exactly k - 1 = 4 people exists and is published with every people figure NULL and flagged,
its size withheld unless it is org structure, while groups of k or more are published.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from expectations.privacy_rule import parse_rule
from pipelines.assets.dbt import DBT_PROJECT_DIR, dbt_executable, published_models_meta
from pipelines.checks.mart_suites import relation_of

K = 5
PARTIAL_RUN_DATE = dt.date(2026, 10, 20)  # October not over yet
MART_MODELS = ("path:models/marts", "int_kpi__department_month_values")
PEOPLE_TABLES = [name for name, meta in published_models_meta().items()
                 if not parse_rule(name, meta).not_people]


@pytest.fixture(scope="module")
def open_build(story_build, tmp_path_factory) -> Path:
    """The story warehouse's marts rebuilt with k = 1 and a run date of 2026-10-20 (one dbt run, models only)."""
    directory = tmp_path_factory.mktemp("open_build")
    warehouse = directory / "warehouse.duckdb"  # same file name: views name their catalog after it
    shutil.copy(story_build.warehouse, warehouse)
    env = {**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse), "ARCHIPELAGO_TODAY": PARTIAL_RUN_DATE.isoformat()}
    subprocess.run(
        [dbt_executable(), "run", "--quiet", "--profiles-dir", ".", "--target-path", str(directory / "target"),
         "--select", *MART_MODELS, "--vars", "{privacy_k: 1}"],
        cwd=DBT_PROJECT_DIR, env=env, check=True,
    )
    return warehouse


@pytest.fixture(scope="module")
def both(story_build, open_build):
    """The published marts (k = 5) with the open build attached as `open`."""
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        conn.execute(f"attach '{open_build}' as open (read_only)")
        yield conn


@pytest.mark.parametrize("table", PEOPLE_TABLES)
def test_a_group_of_k_minus_one_is_suppressed_and_groups_of_k_are_published(both, table):
    meta = published_models_meta()[table]
    rule = parse_rule(table, meta)
    relation = "open." + relation_of(meta["asset_key"])
    for group in rule.groups:
        n, flag = group.group_size, group.flag
        shown = " or ".join(f"p.{f} is not null" for f in group.figures)
        scope = f"and ({group.where})" if group.where else ""
        at_k_minus_1, flagged, figures_shown, size_shown, published_big = both.execute(f"""
            select count(*) filter (where o.{n} = {K - 1}),
                   count(*) filter (where o.{n} = {K - 1} and p.{flag}),
                   count(*) filter (where o.{n} = {K - 1} and ({shown})),
                   count(*) filter (where o.{n} = {K - 1} and p.{n} is not null),
                   count(*) filter (where o.{n} >= {K} and not p.{flag} and p.{n} = o.{n})
            from {table} as p
            join {relation} as o using ({", ".join(rule.grain)})
            where true {scope}
        """).fetchone()
        assert at_k_minus_1 > 0, f"{table}: the story has no group of {K - 1} by {n}; the test needs one"
        assert flagged == at_k_minus_1 and figures_shown == 0, (table, n, at_k_minus_1, flagged, figures_shown)
        assert size_shown == (at_k_minus_1 if group.group_size_is_published else 0), (table, n, size_shown)
        assert published_big > 0, f"{table}: no group of {K} or more published by {n}"


def test_every_people_table_of_the_issue_is_covered():
    assert {"adoption.tool_usage_daily", "adoption.usage_segments_monthly", "adoption.training_monthly",
            "org.headcount_by_department", "adoption.sentiment_monthly", "silo.collaboration_scores_monthly",
            "silo.department_openness_weekly", "adoption.team_phase_weekly"} <= set(PEOPLE_TABLES)


def test_complementary_suppression_hides_a_second_department(both):
    """Where exactly one department of a day and tool is below k, a second one is hidden with it: the
    organisation's total could otherwise give the first away."""
    rows = both.execute("""
        with parts as (
            select usage_date, tool, count(*) filter (where o.people < 5) as small,
                   count(*) filter (where p.is_suppressed) as hidden
            from adoption.tool_usage_daily p
            join open.marts.tool_usage_daily o using (usage_date, tool, department_id)
            group by 1, 2
        )
        select count(*), count(*) filter (where hidden >= 2) from parts where small = 1 and hidden >= 1
    """).fetchone()
    assert rows[0] > 0 and rows[0] == rows[1], rows


def test_a_partial_month_is_flagged_and_not_scored(both):
    """With the run date on 2026-10-20, October is incomplete: flagged, shown, never scored; earlier
    months are complete and scored as before."""
    statuses = dict(both.execute("""
        select is_complete, list(distinct status order by status)
        from open.marts.scorecard_monthly where month_start >= date '2026-09-01' group by 1
    """).fetchall())
    assert set(statuses[False]) <= {"incomplete", "no_data", "suppressed"} and "incomplete" in statuses[False]
    assert "incomplete" not in statuses[True]
    october = both.execute("""
        select bool_and(not is_complete), count(current_value) from open.marts.scorecard_monthly
        where month_start = date '2026-10-01'
    """).fetchone()
    assert october[0] and october[1] > 0
    periods = [("sentiment_monthly", "month_start", "month"), ("training_monthly", "month_start", "month"),
               ("usage_segments_monthly", "month_start", "month"), ("ai_tool_fragmentation", "month_start", "month"),
               ("collaboration_scores_monthly", "month_start", "month"), ("epic_lead_time_monthly", "month_start", "month"),
               ("ticket_outcomes_monthly", "month_start", "month"), ("department_openness_weekly", "week_start", "week"),
               ("handoffs_weekly", "week_start", "week")]
    for table, column, unit in periods:
        wrong, partial = both.execute(
            f"select count(*) filter (where is_complete <> ({column} + interval 1 {unit} <= date '{PARTIAL_RUN_DATE}')), "
            f"count(*) filter (where not is_complete) from open.marts.{table}").fetchone()
        assert wrong == 0 and partial > 0, (table, wrong, partial)


def test_the_published_story_is_complete_up_to_its_last_month(both):
    """The story build runs on 2026-11-01: October is over, so it is scored."""
    incomplete = both.execute(
        "select count(*) from kpi.scorecard_monthly where not is_complete or status = 'incomplete'").fetchone()[0]
    assert incomplete == 0
