"""Latency from a signed webhook to a republished mart, on the demo organisation.

    .venv/bin/python benchmarks/bench_event_latency.py --employees 300 --months 12

Builds the demo organisation once (full refresh, not timed), then: the sandbox advances one day and
posts a signed Jira webhook for a change -> the receiver stores it -> the inbox sensor requests a run
of the Jira assets -> that run lands the change -> declarative automation requests the downstream
models, their checks and the publication -> those runs finish. Prints each stage, the total and the
CPU seconds they took (this process and dbt's).
Sensor and automation ticks are evaluated back to back here; a deployment adds their intervals
(inbox sensor 15 s, automation sensor 30 s by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _cpu_seconds() -> float:
    """CPU time of this process (the runs, and the sandbox's thread serving them) and of the
    processes it waited for (dbt): on a shared machine it moves less with the load than wall time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()

    import dagster as dg  # noqa: PLC0415
    from archipelago_testing import materialize_everything, temp_instance  # noqa: PLC0415
    from events.test_event_driven_refresh import Receiver, _automate  # noqa: PLC0415

    from benchmarks.harness import benchmark_home  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    end = dt.date(2026, 10, 31)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        home = benchmark_home(Path(tmp), today=end + dt.timedelta(days=1))
        org = generate_organisation(seed=42, employees=args.employees, months=args.months, end_date=end)
        with SandboxServer(org, port=0, exports_dir=Path(tmp) / "exports") as server:
            env = server.env()
            os.environ.update(env)
            instance = temp_instance(Path(tmp) / "instance")
            print("full refresh (not timed) …", file=sys.stderr)
            assert materialize_everything(instance).success
            from pipelines.definitions import ASSETS, CHECKS, RAW_KEYS, RESOURCES  # noqa: PLC0415
            from pipelines.sensors.inbox_sensor import build_inbox_sensor  # noqa: PLC0415

            defs = dg.Definitions(assets=ASSETS, asset_checks=CHECKS, resources=RESOURCES)
            cursor, _, _ = _automate(defs, instance, None)
            sensor = build_inbox_sensor(RAW_KEYS, debounce_seconds=0, home=home)
            stages = []
            with Receiver(home, {"jira": env["JIRA_WEBHOOK_SECRET"]}) as receiver:
                before = server.now
                server.advance(days=1)  # the day's changes happen; the clock starts at the webhook
                t0, cpu0 = time.perf_counter(), _cpu_seconds()
                delivery = server.emit_webhook("jira", "jira:issue_updated", receiver.url("jira"), since=before)
                assert delivery.status_code == 200, delivery.response_text
                stages.append(("webhook posted and stored", time.perf_counter()))
            evaluation = sensor(dg.build_sensor_context(instance=instance, definitions=defs))
            [request] = evaluation.run_requests
            stages.append(("inbox sensor tick", time.perf_counter()))
            assert materialize_everything(instance, selection=request.asset_selection, tags=request.tags).success
            stages.append(("Jira assets landed the change", time.perf_counter()))
            _, requests, runs = _automate(defs, instance, cursor)
            assert requests and all(r.success for r in runs)
            stages.append(("models, checks and publication", time.perf_counter()))
            cpu = _cpu_seconds() - cpu0
    previous = t0
    print(f"webhook -> republished marts, {args.employees} employees x {args.months} months")
    for label, at in stages:
        print(f"  {label:<34} {at - previous:7.1f} s")
        previous = at
    print(f"  {'total':<34} {previous - t0:7.1f} s")
    print(f"  {'CPU seconds (this process and dbt)':<34} {cpu:7.1f} s")


if __name__ == "__main__":
    main()
