"""The incremental ticket models pick up late changes: an incremental run equals a build from scratch.

On a copy of the story warehouse, the last audit events of a ping-pong Zendesk ticket are held back,
the ticket models are rebuilt from scratch, then the events land (new `_loaded_at`) and an
incremental run must reproduce the tables the full build made from all the data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MODELS = ("int_tickets__activity", "int_tickets__state_history", "int_tickets__handoffs", "int_tickets__ties")


def _dbt(warehouse: Path, target: Path, *args: str) -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse)}
    subprocess.run(
        [dbt, "run", "--quiet", "--profiles-dir", ".", "--target-path", str(target), "--select", *MODELS, *args],
        cwd=DBT_DIR, env=env, check=True,
    )


def _differences(conn) -> dict[str, int]:
    out = {}
    for model in MODELS:
        mine = f"(select * exclude (source_loaded_at) from intermediate.{model})"
        full = f"(select * exclude (source_loaded_at) from original.intermediate.{model})"
        out[model] = conn.execute(
            f"select (select count(*) from ({mine} except all {full})) + (select count(*) from ({full} except all {mine}))"
        ).fetchone()[0]
    return out


def test_incremental_run_equals_full_build_after_late_changes(story_build, tmp_path):
    # Same file name: DuckDB views name their catalog after the file.
    warehouse = tmp_path / story_build.warehouse.name
    shutil.copy(story_build.warehouse, warehouse)
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

    _dbt(warehouse, tmp_path / "target", "--full-refresh")
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(f"attach '{story_build.warehouse}' as original (read_only)")
        before = _differences(conn)
        # The held-back events land now: later than anything the models have seen.
        landed_at = conn.execute("select now()::timestamp").fetchone()[0]
        conn.execute(
            "insert into raw_zendesk.ticket_audit_events select * replace (now()::timestamp as _loaded_at) from main.held_back"
        )
    assert before["int_tickets__handoffs"] > 0, "holding back the return should have removed a handoff"

    _dbt(warehouse, tmp_path / "target")
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(f"attach '{story_build.warehouse}' as original (read_only)")
        assert _differences(conn) == dict.fromkeys(MODELS, 0)
        # Only the changed ticket (and its week's ties) were rebuilt: the rest keep their landing time.
        rebuilt = conn.execute(
            "select count(distinct ticket_id) from intermediate.int_tickets__state_history where source_loaded_at >= ?",
            [landed_at],
        ).fetchone()[0]
        assert rebuilt == 1
