"""What the quality gate adds to a refresh: wall time of the check steps against the whole refresh.

    .venv/bin/python benchmarks/bench_checks.py --employees 10000 --months 12

Generates the demo organisation, serves it through the sandbox and runs the full refresh once (every
raw asset, dbt build, every asset check, the publish step) in one in-process Dagster run, as the
tests' `story_build` does. From the run's event log it takes each step's STEP_START -> STEP_SUCCESS
(or STEP_FAILURE) and sums the steps that are quality checks: the mart suites (one `mart_suites`
step; a `*_gx_suite` step each before), the privacy floor (`privacy_floor_checks`) and the raw-layer quarantine shares (`source_quarantine_shares`).
dbt's own tests run inside the dbt step and are not counted here. The lazy `import great_expectations`
(printed separately, measured in a fresh interpreter) now runs in the background during the dbt step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHECK_STEP_SUFFIXES = ("gx_suite", "mart_suites", "privacy_floor_checks", "quarantine_share", "source_quarantine_shares")


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds from STEP_START to STEP_SUCCESS/STEP_FAILURE of every step of the run."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = defaultdict(float)
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[event.step_key] += record.timestamp - started.pop(event.step_key)
    return dict(seconds)


def gx_import_seconds() -> float:
    out = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import great_expectations; "
                               "print(time.perf_counter() - t)"],
        capture_output=True, text=True, check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import dagster as dg  # noqa: PLC0415

    from benchmarks.harness import benchmark_home  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    end = dt.date(2026, 10, 31)
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        benchmark_home(Path(tmp), today=end + dt.timedelta(days=1))
        started = time.perf_counter()
        org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months, end_date=end)
        generate_s = time.perf_counter() - started
        from pipelines.definitions import ASSETS, CHECKS, RESOURCES  # noqa: PLC0415

        (Path(tmp) / "instance").mkdir()
        instance = dg.DagsterInstance.local_temp(str(Path(tmp) / "instance"), overrides={"telemetry": {"enabled": False}})
        with SandboxServer(org, port=0, exports_dir=Path(tmp) / "exports") as server:
            os.environ.update(server.env())
            started = time.perf_counter()
            result = dg.materialize([*ASSETS, *CHECKS], resources=RESOURCES, instance=instance, raise_on_error=False)
            refresh_s = time.perf_counter() - started
        steps = step_seconds(instance, result.run_id)
        evaluations = result.get_asset_check_evaluations()

    checks = {k: v for k, v in steps.items() if k.endswith(CHECK_STEP_SUFFIXES)}
    check_s = sum(checks.values())
    gx_import = gx_import_seconds()
    print(f"organisation: {args.employees} employees x {args.months} months (seed {args.seed}); "
          f"generated in {generate_s:.1f} s")
    print(f"refresh (land + dbt build + checks + publish): {refresh_s:8.1f} s  run {'succeeded' if result.success else 'FAILED'}")
    for name in ("dbt_models", "published__marts"):
        if name in steps:
            print(f"  step {name:<40} {steps[name]:8.2f} s")
    for name, seconds in sorted(checks.items(), key=lambda kv: -kv[1]):
        print(f"  check step {name:<34} {seconds:8.2f} s")
    print(f"quality checks, total:                         {check_s:8.1f} s  = {check_s / refresh_s:6.1%} of the refresh")
    print(f"  of which import great_expectations (fresh interpreter): {gx_import:.1f} s")
    failed = [e for e in evaluations if not e.passed]
    print(f"check evaluations: {len(evaluations)} ({len(failed)} failed"
          + (": " + "; ".join(f"{e.asset_key.to_user_string()}/{e.check_name}" for e in failed[:5]) if failed else "") + ")")


if __name__ == "__main__":
    main()
