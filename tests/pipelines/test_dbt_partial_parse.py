"""dbt reuses the parse made at set-up whatever ARCHIPELAGO_HOME is: a refresh never re-parses the
project because the warehouse lives elsewhere (real dbt, the script the dbt step runs)."""

import os
import shutil
import subprocess

from pipelines.assets.dbt import (
    DBT_IN_WAREHOUSE_DIR,
    DBT_PROJECT_DIR,
    PARSE_ENVIRONMENT,
    dbt_executable,
    dbt_python,
)
from pipelines.engines import apply_dbt_environment
from pipelines.engines.duckdb import DuckDBEngine

REPARSE = "Unable to do partial parsing"


def test_a_refresh_in_another_home_reuses_the_set_up_parse(tmp_path):
    set_up = tmp_path / "set-up"
    subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--profiles-dir", ".", "--target-path", str(set_up)],
        cwd=DBT_PROJECT_DIR, env={**os.environ, **PARSE_ENVIRONMENT}, check=True,
    )
    home = tmp_path / "some" / "home"
    target = home / "dbt" / "target"
    target.mkdir(parents=True)
    shutil.copy(set_up / "partial_parse.msgpack", target)  # as dagster-dbt seeds a run's target
    env = {
        **os.environ,
        "ARCHIPELAGO_WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
        "ARCHIPELAGO_DBT_EXECUTABLE": dbt_executable(),
        # dbt through pipelines/assets/dbt_main.py with the Python of the venv's dbt, as a refresh runs it
        # (its directory holds our dbt.py, which must not shadow dbt-core).
        "ARCHIPELAGO_DBT_PYTHON": dbt_python(dbt_executable()),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
    }
    assert env["ARCHIPELAGO_DBT_PYTHON"], "the venv's dbt has a python beside it"
    apply_dbt_environment(DuckDBEngine(home, {}), env)  # as the dbt step does
    subprocess.run([str(DBT_IN_WAREHOUSE_DIR), "parse"], cwd=DBT_PROJECT_DIR, env=env, check=True,
                   capture_output=True)
    log = (target / "dbt.log").read_text()
    assert "Partial parsing enabled" in log
    assert REPARSE not in log, [line for line in log.splitlines() if REPARSE in line]
