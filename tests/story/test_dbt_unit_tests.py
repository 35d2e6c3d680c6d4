"""The dbt unit tests (formulas pinned on hand-computed inputs) pass.

Refreshes leave unit tests out (they test the SQL, not the data), so they run here, against a copy
of the story warehouse: dbt unit tests need the models' upstream relations to exist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from pipelines.assets.dbt import DBT_PROJECT_DIR, dbt_executable


def test_every_dbt_unit_test_passes(story_build, tmp_path):
    warehouse = tmp_path / story_build.warehouse.name
    shutil.copy(story_build.warehouse, warehouse)
    target = tmp_path / "target"
    dbt = dbt_executable()
    completed = subprocess.run(
        [dbt, "test", "--profiles-dir", ".", "--target-path", str(target), "--select", "test_type:unit"],
        cwd=DBT_PROJECT_DIR, env={**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert len(results) >= 15, "the unit tests were not selected"
    assert {r["status"] for r in results} == {"pass"}
