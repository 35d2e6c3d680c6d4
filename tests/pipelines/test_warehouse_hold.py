"""The command line's run keeps the warehouse open between steps, and lets it go for dbt and at the end."""

import subprocess
import sys

from pipelines.resources import WarehouseResource, warehouse_held_open

OPEN_ELSEWHERE = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('select 1').fetchall()"


def _another_process_can_open(path) -> bool:
    return subprocess.run([sys.executable, "-c", OPEN_ELSEWHERE, str(path)], capture_output=True).returncode == 0


def test_held_between_steps_released_for_dbt_and_at_the_end(tmp_path):
    warehouse = WarehouseResource(home=str(tmp_path))
    with warehouse.connect() as conn:  # no hold outside the block: closed after the step
        conn.execute("create table main.landed as select 1 as n")
    assert _another_process_can_open(warehouse.path)

    with warehouse_held_open():
        with warehouse.connect() as conn:
            conn.execute("insert into main.landed values (2)")
        # Between steps the database stays open in this process (another process is locked out) ...
        assert not _another_process_can_open(warehouse.path)
        with warehouse.connect() as conn:  # ... and the next step sees what the last one committed
            assert conn.execute("select count(*) from main.landed").fetchone()[0] == 2
        warehouse.release_for_another_process()  # the dbt step, before dbt starts
        assert _another_process_can_open(warehouse.path)
        with warehouse.connect() as conn:  # the checks after dbt hold it again
            conn.execute("insert into main.landed values (3)")
        assert not _another_process_can_open(warehouse.path)
    assert _another_process_can_open(warehouse.path)
    with warehouse.connect(read_only=True) as conn:
        assert conn.execute("select count(*) from main.landed").fetchone()[0] == 3
