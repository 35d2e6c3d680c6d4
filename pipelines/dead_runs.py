"""Runs whose process died (`kill -9`, a power cut) stay STARTED in the Dagster instance forever:
nothing is left to report their end. Runs started by the `archipelago` command carry their pid and
host; before the next run (which holds the run lock, so no other command run is alive), any such
run whose process is gone is marked failed, saying so."""

from __future__ import annotations

import os
import socket

import dagster as dg

PID_TAG = "archipelago/pid"
HOST_TAG = "archipelago/host"
_UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]


def process_tags() -> dict[str, str]:
    """Tags identifying this process, for a run it starts."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process with that pid
    return True


def mark_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every unfinished run of a dead `archipelago` process on this host failed; returns their ids."""
    marked = []
    host = socket.gethostname()
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_UNFINISHED)):
        pid = run.tags.get(PID_TAG)
        if not pid or run.tags.get(HOST_TAG) != host or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        instance.report_run_failed(run, message=f"the process running it (pid {pid}) ended without finishing the run "
                                                "(killed?); marked failed by the next run")
        marked.append(run.run_id)
    return marked
