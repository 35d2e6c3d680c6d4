"""The privacy rule on every published table of the demo organisation, and periods that say they are partial.

The story build publishes with k = 5, so its groups of 5 or more show their size. A copy of its
warehouse rebuilds the marts with a larger k (7; 15 for the department figures of training, whose
smallest department has 14 people; 9 for ticket outcomes, whose smallest cell has 8 agents) and a
run date inside October (a partial month). Per published table and privacy rule (read from the
models' meta, as the blocking check reads it), the groups of exactly k - 1 people the story
publishes are, in the rebuild, kept as rows with every people figure NULL, flagged, and their size
withheld unless it is org structure; groups of k or more stay published.
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

PUBLISHED_K = 5
K = 7
# Rules whose story has no group of K - 1: a rebuild of that model alone with a k that fits the story.
K_FOR = {("adoption.training_monthly", "headcount"): 15,
         ("value_chain.ticket_outcomes_monthly", "agents"): 9}  # the smallest cell: Engineering's 8 agents
# The scorecard's ticket KPIs follow ticket outcomes' floor: rebuilt with it.
ALSO_REBUILT = {"value_chain.ticket_outcomes_monthly": ("int_kpi__department_month_values", "scorecard_monthly")}
TICKET_KPIS = ("median_first_reply_minutes", "median_resolution_minutes", "csat_good_share", "hours_saved")
PARTIAL_RUN_DATE = dt.date(2026, 10, 20)  # October is not over yet
MART_MODELS = ("path:models/marts", "int_kpi__department_month_values")
PEOPLE_TABLES = [name for name, meta in published_models_meta().items() if not parse_rule(name, meta).not_people]


def _dbt_run(warehouse: Path, k: int, *selection: str) -> None:
    env = {**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse), "ARCHIPELAGO_TODAY": PARTIAL_RUN_DATE.isoformat()}
    subprocess.run(
        [dbt_executable(), "run", "--quiet", "--profiles-dir", ".", "--target-path", str(warehouse.parent / "target"),
         "--select", *selection, "--vars", f"{{privacy_k: {k}}}"],
        cwd=DBT_PROJECT_DIR, env=env, check=True,
    )


@pytest.fixture(scope="module")
def rebuilt(story_build, tmp_path_factory) -> dict[int, Path]:
    """k -> a copy of the story warehouse whose marts were rebuilt with that k and run date 2026-10-20."""
    builds = {}
    source = story_build.warehouse
    for k, selection in [(K, MART_MODELS), *((k, (relation_of(published_models_meta()[t]["asset_key"]).split(".")[1],
                                                  *ALSO_REBUILT.get(t, ())))
                                            for (t, _), k in K_FOR.items())]:
        warehouse = tmp_path_factory.mktemp(f"k{k}") / "warehouse.duckdb"  # same name: views name their catalog after it
        shutil.copy(source, warehouse)
        _dbt_run(warehouse, k, *selection)
        builds[k], source = warehouse, warehouse
    return builds


@pytest.fixture(scope="module")
def both(story_build, rebuilt):
    """The published marts (k = 5) with each rebuild attached as `k<k>`."""
    with duckdb.connect(str(story_build.published), read_only=True) as conn:
        for k, warehouse in rebuilt.items():
            conn.execute(f"attach '{warehouse}' as k{k} (read_only)")
        yield conn


@pytest.mark.parametrize("table", PEOPLE_TABLES)
def test_a_group_of_k_minus_one_is_suppressed_and_groups_of_k_are_published(both, table):
    meta = published_models_meta()[table]
    rule = parse_rule(table, meta)
    for group in rule.groups:
        k = K_FOR.get((table, group.group_size), K)
        n, flag = group.group_size, group.flag
        shown = " or ".join(f"c.{f} is not null" for f in group.figures)
        scope = f"and ({group.where})" if group.where else ""
        cases, flagged, figures_shown, size_shown, published_big = both.execute(f"""
            select count(*) filter (where p.{n} = {k - 1}),
                   count(*) filter (where p.{n} = {k - 1} and c.{flag}),
                   count(*) filter (where p.{n} = {k - 1} and ({shown})),
                   count(*) filter (where p.{n} = {k - 1} and c.{n} is not null),
                   count(*) filter (where p.{n} >= {k} and not c.{flag} and c.{n} = p.{n})
            from {table} as p
            join k{k}.{relation_of(meta["asset_key"])} as c using ({", ".join(rule.grain)})
            where not p.{flag} {scope}
        """).fetchone()
        assert cases > 0, f"{table}: the story publishes no group of {k - 1} by {n}; the test needs one"
        assert flagged == cases and figures_shown == 0, (table, n, cases, flagged, figures_shown)
        if not group.group_size_is_published:
            assert size_shown == 0, (table, n, size_shown)
        assert published_big > 0, f"{table}: no group of {k} or more published by {n}"


def test_scorecard_ticket_kpis_of_fewer_than_k_agents_are_withheld(both):
    """A department-month whose tickets went to fewer than k agents has no first reply, resolution,
    CSAT or hours saved on the scorecard, nor their ticket counts (status suppressed), as
    value_chain.ticket_outcomes_monthly withholds its cells."""
    k = K_FOR[("value_chain.ticket_outcomes_monthly", "agents")]
    scorecard = relation_of(published_models_meta()["kpi.scorecard_monthly"]["asset_key"])
    rows = both.execute(f"""
        with agents as (
            select cast(date_trunc('month', created_on) as date) as month_start, department_name,
                   count(distinct first_assignee_key) as agents
            from k{k}.intermediate.int_value_chain__zendesk_tickets where department_name is not null group by 1, 2
        )
        select agents.agents, coalesce(s.current_value, s.observations), s.status
        from k{k}.{scorecard} as s
        join agents on agents.month_start = s.month_start and agents.department_name = s.department_name
        where s.kpi in {TICKET_KPIS} and not s.is_shared
    """).fetchall()
    below = [r for r in rows if r[0] < k]
    assert below, f"the story has no department-month with fewer than {k} agents; the test needs one"
    assert all(value is None and status == "suppressed" for _, value, status in below), below
    assert any(value is not None for n, value, _ in rows if n >= k)


def test_every_people_table_of_the_issue_is_covered():
    assert {"adoption.tool_usage_daily", "adoption.usage_segments_monthly", "adoption.training_monthly",
            "org.headcount_by_department", "adoption.sentiment_monthly", "silo.collaboration_scores_monthly",
            "silo.department_openness_weekly", "adoption.team_phase_weekly", "silo.ai_tool_fragmentation",
            "kpi.scorecard_monthly"} <= set(PEOPLE_TABLES)


def test_the_published_story_has_no_figure_below_k(both):
    """The story's own publication (k = 5): the people the issue found leaking stay hidden."""
    assert both.execute(
        "select count(*) from adoption.tool_usage_daily where not is_suppressed and people < 5").fetchone()[0] == 0
    assert both.execute(
        "select count(*) from adoption.tool_usage_daily where is_suppressed and daily_active_users is not null"
    ).fetchone()[0] == 0
    small = both.execute(
        "select count(*), count(joiners_last_90_days) from org.headcount_by_department where headcount < 5").fetchone()
    assert small[0] > 0 and small[1] == 0


@pytest.mark.parametrize("schema", ["adoption", f"k{K}.marts"])
def test_complementary_suppression_never_leaves_one_department_hidden_alone(both, schema):
    """A day and tool never has exactly one hidden department beside published ones: the organisation's
    total (readable in the fragmentation mart) minus the published departments would give it away."""
    alone, hidden_with_another = both.execute(f"""
        with parts as (
            select usage_date, tool, count(*) filter (where is_suppressed) as hidden, count(*) as departments
            from {schema}.tool_usage_daily group by 1, 2
        )
        select count(*) filter (where hidden = 1 and departments >= 2),
               count(*) filter (where hidden >= 2 and departments > hidden)
        from parts
    """).fetchone()
    assert alone == 0 and hidden_with_another > 0, (alone, hidden_with_another)


def test_a_partial_month_is_flagged_and_not_scored(both):
    """With the run date on 2026-10-20, October is incomplete: flagged, shown, never scored; earlier
    months are complete and scored as before."""
    statuses = dict(both.execute("""
        select is_complete, list(distinct status order by status)
        from k7.marts.scorecard_monthly where month_start >= date '2026-09-01' group by 1
    """).fetchall())
    assert set(statuses[False]) <= {"incomplete", "no_data", "suppressed"} and "incomplete" in statuses[False]
    assert "incomplete" not in statuses[True]
    october = both.execute("""
        select bool_and(not is_complete), count(current_value) from k7.marts.scorecard_monthly
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
            f"count(*) filter (where not is_complete) from k7.marts.{table}").fetchone()
        # No survey ran in October 2026: the collaboration scores have no partial month to flag.
        assert wrong == 0 and (partial > 0 or table == "collaboration_scores_monthly"), (table, wrong, partial)


def test_the_published_story_is_complete_up_to_its_last_month(both):
    """The story build runs on 2026-11-01: October is over, so it is scored."""
    incomplete = both.execute(
        "select count(*) from kpi.scorecard_monthly where not is_complete or status = 'incomplete'").fetchone()[0]
    assert incomplete == 0


def test_shares_are_between_zero_and_one_in_every_published_table(both):
    """The units convention: every `*_share` / `*_rate` column of every published table is 0-1 (a
    percentage would be named `*_pct`); the scorecard's `*_share` KPIs are 0-1 too."""
    columns = both.execute("""
        select table_schema, table_name, column_name from information_schema.columns
        where table_catalog = current_database() and table_schema not in ('meta', 'main')
          and (column_name like '%\\_share' escape '\\' or column_name like '%\\_rate' escape '\\')
          and data_type = 'DOUBLE'
    """).fetchall()
    assert len(columns) >= 10
    for schema, table, column in columns:
        low, high = both.execute(f"select min({column}), max({column}) from {schema}.{table}").fetchone()
        assert low is None or (low >= 0 and high <= 1), (schema, table, column, low, high)
    low, high = both.execute(
        "select min(current_value), max(current_value) from kpi.scorecard_monthly where kpi like '%\\_share' escape '\\'"
    ).fetchone()
    assert low >= 0 and high <= 1
