"""Run a job of the code location in this process, recorded in the Dagster instance the UI reads,
printing concise progress while it runs."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dagster as dg

QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class JobOutcome:
    run_id: str
    success: bool
    failed_steps: list[str]
    seconds: float


class _ProgressPrinter(threading.Thread):
    """Polls the run's event log and prints one line per finished step."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, write: Callable[[str], None]):
        super().__init__(daemon=True)
        self.instance, self.run_id, self.write = instance, run_id, write
        self.stop_event = threading.Event()
        self.seen = 0
        self.started: dict[str, float] = {}

    def poll(self) -> None:
        try:
            entries = self.instance.all_logs(self.run_id)
        except Exception:  # the run may not be registered yet
            return
        for entry in entries[self.seen:]:
            event = entry.dagster_event
            if event is None:
                continue
            step = event.step_key or ""
            kind = event.event_type_value
            if kind == "STEP_START":
                self.started[step] = entry.timestamp
                self.write(f"  … {step}")
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
                took = entry.timestamp - self.started.get(step, entry.timestamp)
                label = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}[kind]
                self.write(f"  {'✓' if kind == 'STEP_SUCCESS' else '✗'} {step} {label} ({took:.1f}s)")
            elif kind == "ASSET_CHECK_EVALUATION":
                data = event.event_specific_data
                evaluation = getattr(data, "passed", None)
                if evaluation is False:
                    key = data.asset_check_key
                    self.write(f"    check {key.asset_key.to_user_string()}:{key.name} failed")
        self.seen = len(entries)

    def run(self) -> None:
        while not self.stop_event.wait(0.5):
            self.poll()
        self.poll()


def run_job(
    defs: dg.Definitions,
    job_name: str,
    *,
    instance: dg.DagsterInstance | None = None,
    tags: Mapping[str, str] | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
    write: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
    log_path=None,
) -> JobOutcome:
    """Run `job_name` in this process. With `log_path`, what the steps print (dbt's own log lines)
    goes to that file instead of the terminal, which shows one line per step."""
    instance = instance or dg.DagsterInstance.get()
    job = defs.resolve_job_def(job_name)
    run_id = str(uuid.uuid4())
    printer = _ProgressPrinter(instance, run_id, write)
    printer.start()
    started = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            if log_path is not None:
                log_path.parent.mkdir(parents=True, exist_ok=True)
                stack.enter_context(contextlib.redirect_stdout(stack.enter_context(log_path.open("w"))))
            result = job.execute_in_process(
                run_config=QUIET_LOGGERS, instance=instance, raise_on_error=False, run_id=run_id,
                tags=dict(tags or {}), asset_selection=asset_selection,
            )
    finally:
        printer.stop_event.set()
        printer.join(timeout=5)
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE" and e.step_key]
    return JobOutcome(run_id, result.success, failed, time.perf_counter() - started)
