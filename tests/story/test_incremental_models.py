"""Incremental models pick up late data: an incremental run equals a build from scratch.

On a copy of the story warehouse some source rows are held back, the models are rebuilt from
scratch without them, then the rows land (a new `_loaded_at`) and an incremental run must reproduce
the tables the story build made from all the data, touching only what the new rows concern.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

from pipelines.assets.dbt import DBT_PROJECT_DIR, dbt_executable

TICKET_MODELS = ("int_tickets__activity", "int_tickets__state_history", "int_tickets__handoffs", "int_tickets__ties")
# The incremental chain upstream of them that held-back Zendesk events travel through.
TICKET_UPSTREAM = ("stg_zendesk__ticket_audit_events", "int_tickets__source_loads")
ADOPTION_MODELS = ("int_adoption__tool_activity_daily", "int_adoption__seats_daily", "int_adoption__person_tool_daily",
                   "int_adoption__person_tool_monthly", "int_adoption__team_tool_weekly")
# The ones that read GitHub usage days: holding the last week back must change them.
USAGE_MODELS = ("int_adoption__tool_activity_daily", "int_adoption__person_tool_daily", "int_adoption__person_tool_monthly")
# Incremental by period (column): an incremental run must leave their oldest period alone.
PERIOD_COLUMNS = {"int_adoption__seats_daily": "seat_date", "int_adoption__person_tool_daily": "calendar_date",
                  "int_adoption__person_tool_monthly": "month_start", "int_adoption__team_tool_weekly": "week_start"}


def _dbt(warehouse: Path, target: Path, selection: tuple[str, ...], *args: str) -> None:
    dbt = dbt_executable()
    env = {**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse)}
    subprocess.run(
        [dbt, "run", "--quiet", "--profiles-dir", ".", "--target-path", str(target), "--select", *selection, *args],
        cwd=DBT_PROJECT_DIR, env=env, check=True,
    )


def _differences(warehouse: Path, original: Path, models: tuple[str, ...]) -> dict[str, int]:
    """Rows in one table and not the other, per model (bookkeeping column source_loaded_at aside)."""
    out = {}
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(f"attach '{original}' as original (read_only)")
        for model in models:
            columns = [c for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_catalog = current_database() "
                "and table_schema = 'intermediate' and table_name = ? order by ordinal_position", [model]).fetchall()
                if c != "source_loaded_at"]
            select = ", ".join(columns)
            mine = f"(select {select} from intermediate.{model})"
            full = f"(select {select} from original.intermediate.{model})"
            out[model] = conn.execute(
                f"select (select count(*) from ({mine} except all {full})) + (select count(*) from ({full} except all {mine}))"
            ).fetchone()[0]
    return out


def _copy(story_build, tmp_path: Path) -> Path:
    # Same file name: DuckDB views name their catalog after the file.
    warehouse = tmp_path / story_build.warehouse.name
    shutil.copy(story_build.warehouse, warehouse)
    return warehouse


def test_ticket_models_pick_up_late_audit_events(story_build, tmp_path):
    warehouse = _copy(story_build, tmp_path)
    selection = TICKET_UPSTREAM + TICKET_MODELS
    with duckdb.connect(str(warehouse)) as conn:
        ticket_id, third_handoff_at = conn.execute(
            """
            select cast(split_part(ticket_id, ':', 2) as bigint), handoff_at
            from intermediate.int_tickets__handoffs
            where ticket_system = 'zendesk' and handoff_number = 3
            order by ticket_id limit 1
            """
        ).fetchone()
        conn.execute(
            "create table main.held_back as select * from raw_zendesk.ticket_audit_events where ticket_id = ? and created_at >= ?",
            [ticket_id, third_handoff_at],
        )
        held = conn.execute("select count(*) from main.held_back").fetchone()[0]
        conn.execute("delete from raw_zendesk.ticket_audit_events where ticket_id = ? and created_at >= ?", [ticket_id, third_handoff_at])
    assert held > 0

    _dbt(warehouse, tmp_path / "target", selection, "--full-refresh")
    before = _differences(warehouse, story_build.warehouse, TICKET_MODELS)
    assert before["int_tickets__handoffs"] > 0, "holding back the return should have removed a handoff"
    with duckdb.connect(str(warehouse)) as conn:
        # The held-back events land now: later than anything the models have seen.
        landed_at = conn.execute("select now()::timestamp").fetchone()[0]
        conn.execute(
            "insert into raw_zendesk.ticket_audit_events select * replace (now()::timestamp as _loaded_at) from main.held_back"
        )

    _dbt(warehouse, tmp_path / "target", selection)
    assert _differences(warehouse, story_build.warehouse, TICKET_MODELS) == dict.fromkeys(TICKET_MODELS, 0)
    with duckdb.connect(str(warehouse)) as conn:
        # Only the changed ticket (and its week's ties) were rebuilt: the rest keep their landing time.
        rebuilt = conn.execute(
            "select count(distinct ticket_id) from intermediate.int_tickets__state_history where source_loaded_at >= ?",
            [landed_at],
        ).fetchone()[0]
    assert rebuilt == 1


def test_adoption_models_pick_up_late_usage_days(story_build, tmp_path):
    """The last week of GitHub usage arrives a run late, as the vendor's report lag makes it (within the
    7-day lookback); the daily, weekly and monthly adoption models rebuild only their latest periods."""
    warehouse = _copy(story_build, tmp_path)
    selection = ("+int_adoption__person_tool_monthly", "+int_adoption__team_tool_weekly")
    with duckdb.connect(str(warehouse)) as conn:
        last_day = conn.execute("select max(cast(day as date)) from raw_github_copilot.user_day_usage").fetchone()[0]
        conn.execute("create table main.held_back as select * from raw_github_copilot.user_day_usage "
                     "where cast(day as date) > ? - interval 7 day", [last_day])
        conn.execute("delete from raw_github_copilot.user_day_usage where cast(day as date) > ? - interval 7 day", [last_day])
        held = conn.execute("select count(*) from main.held_back").fetchone()[0]
    assert held > 0

    _dbt(warehouse, tmp_path / "target", selection, "--full-refresh")
    before = _differences(warehouse, story_build.warehouse, ADOPTION_MODELS)
    assert all(before[model] for model in USAGE_MODELS), f"holding back a week should change these: {before}"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("insert into raw_github_copilot.user_day_usage "
                     "select * replace (now()::timestamp as _loaded_at) from main.held_back")
        # A row taken out of each model's oldest period: a run that rebuilt that period would restore it.
        for model, period in PERIOD_COLUMNS.items():
            conn.execute(f"delete from intermediate.{model} where rowid = (select min(rowid) from intermediate.{model} "
                         f"where {period} = (select min({period}) from intermediate.{model}))")

    _dbt(warehouse, tmp_path / "target", selection)
    expected = {model: 1 if model in PERIOD_COLUMNS else 0 for model in ADOPTION_MODELS}
    assert _differences(warehouse, story_build.warehouse, ADOPTION_MODELS) == expected


def test_full_refresh_tag_rebuilds_incremental_models_from_scratch(story_build, tmp_path, monkeypatch):
    """`archipelago refresh --full-refresh` tags its run; the dbt step then rebuilds from scratch."""
    import dagster as dg  # noqa: PLC0415

    from pipelines.assets.dbt import FULL_REFRESH_TAG  # noqa: PLC0415
    from pipelines.definitions import ASSETS, RESOURCES  # noqa: PLC0415

    home = tmp_path / "home"
    home.mkdir()
    warehouse = home / story_build.warehouse.name
    shutil.copy(story_build.warehouse, warehouse)
    monkeypatch.setenv("ARCHIPELAGO_HOME", str(home))
    monkeypatch.setenv("ARCHIPELAGO_WAREHOUSE_PATH", str(warehouse))
    # A row lost from an incremental model: no new landing gives an incremental run a reason to
    # restore it, a rebuild from scratch does.
    with duckdb.connect(str(warehouse)) as conn:
        (ticket_id,) = conn.execute("select min(ticket_id) from intermediate.int_tickets__source_loads").fetchone()
        conn.execute("delete from intermediate.int_tickets__source_loads where ticket_id = ?", [ticket_id])

    selection = dg.AssetSelection.assets(dg.AssetKey(["intermediate", "int_tickets__source_loads"]))
    for tags, expected_rows in ((None, 0), ({FULL_REFRESH_TAG: "true"}, 1)):
        result = dg.materialize(ASSETS, resources=RESOURCES, selection=selection,
                                instance=dg.DagsterInstance.ephemeral(), tags=tags)
        assert result.success
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            rows = conn.execute("select count(*) from intermediate.int_tickets__source_loads where ticket_id = ?",
                                [ticket_id]).fetchone()[0]
        assert rows == expected_rows, f"tags {tags}"
