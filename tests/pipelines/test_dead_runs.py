"""A run whose process was killed (-9) does not stay STARTED forever: the next run marks it failed."""

import subprocess
import sys
import uuid

import dagster as dg
from archipelago_testing import temp_instance
from dagster._core.storage.dagster_run import DagsterRun

from pipelines.dead_runs import mark_dead_runs, process_tags


def _started_run(instance, tags) -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(DagsterRun(job_name="nightly_refresh", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags=tags))
    return run_id


def test_runs_of_dead_processes_are_marked_failed_and_live_ones_kept(tmp_path):
    instance = temp_instance(tmp_path / "instance")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = _started_run(instance, {**process_tags(), "archipelago/pid": str(dead.pid)})
    ours = _started_run(instance, process_tags())  # this process: alive
    foreign = _started_run(instance, {})  # started by the UI or the daemon: not ours to judge
    assert mark_dead_runs(instance) == [killed]
    assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(ours).status == instance.get_run_by_id(foreign).status == dg.DagsterRunStatus.STARTED
    assert mark_dead_runs(instance) == []
