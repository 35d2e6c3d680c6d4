"""Run a job of the code location in this process, recorded in the Dagster instance the UI reads,
printing concise progress while it runs."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import dagster as dg

QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class JobOutcome:
    run_id: str
    success: bool
    failed_steps: list[str]
    seconds: float
    # Failed step -> the error's own one-line message (what went wrong and what to do).
    errors: dict[str, str] = field(default_factory=dict)
    # Steps not run because a step they depend on failed.
    not_run: list[str] = field(default_factory=list)


def _error_line(error) -> str:
    """The innermost cause of a step's error, first line: our code raises one-line errors that say what
    to do; Dagster wraps them in 'Error occurred while executing …'."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = (getattr(error, "message", None) or str(error)).strip()
    first = message.splitlines()[0] if message else "failed"
    return first.split(": ", 1)[1] if first.split(": ", 1)[0].endswith(("Error", "Exception", "Failure")) else first


class _ProgressPrinter(threading.Thread):
    """Polls the run's event log and prints one line per finished step. Each poll reads only the events
    after the last one seen (a cursor): re-reading the whole log every half second cost seconds of
    CPU per refresh (~1,500 events), taken from the steps by the GIL."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, write: Callable[[str], None]):
        super().__init__(daemon=True)
        self.instance, self.run_id, self.write = instance, run_id, write
        self.stop_event = threading.Event()
        self.cursor: str | None = None
        self.started: dict[str, float] = {}
        self.skipped_sources: set[str] = set()
        self.errors: dict[str, str] = {}
        self.planned: dict[str, None] = {}  # ordered set of the steps the run meant to execute

    @property
    def not_run(self) -> list[str]:
        """Planned steps that never started: downstream of a failure (one summary line, not one each)."""
        return [step for step in self.planned if step not in self.started]

    def poll(self) -> None:
        try:
            connection = self.instance.get_records_for_run(self.run_id, cursor=self.cursor)
        except Exception:  # the run may not be registered yet
            return
        for record in connection.records:
            entry = record.event_log_entry
            event = entry.dagster_event
            if event is None:
                continue
            step = event.step_key or ""
            kind = event.event_type_value
            if kind in ("ASSET_MATERIALIZATION_PLANNED", "ASSET_CHECK_EVALUATION_PLANNED") and step:
                self.planned.setdefault(step, None)
            elif kind == "STEP_START":
                self.started[step] = entry.timestamp
                self.write(f"  … {step}")
            elif kind == "ASSET_MATERIALIZATION":
                status = event.event_specific_data.materialization.metadata.get("status")
                if status is not None and getattr(status, "value", status) == "skipped":
                    self.skipped_sources.add(step)
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
                took = entry.timestamp - self.started.get(step, entry.timestamp)
                if kind == "STEP_FAILURE":
                    self.errors[step] = _error_line(event.event_specific_data.error)
                    self.write(f"  ✗ {step} FAILED ({took:.1f}s)")
                elif step in self.skipped_sources:
                    self.write(f"  – {step} skipped (not configured)")
                else:
                    self.write(f"  ✓ {step} done ({took:.1f}s)")
            elif kind == "ASSET_CHECK_EVALUATION":
                data = event.event_specific_data
                evaluation = getattr(data, "passed", None)
                if evaluation is False:
                    key = data.asset_check_key
                    self.write(f"    check {key.asset_key.to_user_string()}:{key.name} failed")
        if connection.records:
            self.cursor = connection.cursor

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
    write: Callable[[str], None] | None = None,
    log_path=None,
) -> JobOutcome:
    """Run `job_name` in this process. With `log_path`, what the steps print (dbt's own log lines) and
    Dagster's own log (warnings, tracebacks) go to that file instead of the terminal, which shows one
    line per step."""
    terminal = sys.stderr  # captured before the redirection below
    write = write or (lambda line: print(line, file=terminal, flush=True))
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
                log = stack.enter_context(log_path.open("w"))
                stack.enter_context(contextlib.redirect_stdout(log))
                stack.enter_context(contextlib.redirect_stderr(log))
            result = job.execute_in_process(
                run_config=QUIET_LOGGERS, instance=instance, raise_on_error=False, run_id=run_id,
                tags=dict(tags or {}), asset_selection=asset_selection,
            )
    finally:
        printer.stop_event.set()
        printer.join(timeout=5)
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE" and e.step_key]
    return JobOutcome(run_id, result.success, failed, time.perf_counter() - started, dict(printer.errors), list(printer.not_run))
