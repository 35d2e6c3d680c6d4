"""dbt build time: a full build of the demo organisation, then an incremental build of one more day.

    .venv/bin/python benchmarks/bench_dbt.py --employees 10000 --months 12

Generates the organisation, serves it through the sandbox, lands every source (timed separately),
runs `dbt build` from scratch, advances the simulated clock by one day, lands the increment and runs
`dbt build` again. Incremental models should make the second build a small fraction of the first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def land_everything(home: Path) -> float:
    """Materialise every raw asset (no dbt) and return the seconds it took."""
    import dagster as dg  # noqa: PLC0415

    from pipelines.definitions import ASSETS, RESOURCES  # noqa: PLC0415

    raw = dg.AssetSelection.all() - dg.AssetSelection.key_prefixes("staging", "intermediate", "marts", "published")
    started = time.perf_counter()
    result = dg.materialize(ASSETS, resources=RESOURCES, selection=raw, instance=dg.DagsterInstance.ephemeral(),
                            raise_on_error=True)
    assert result.success
    return time.perf_counter() - started


def dbt_build(warehouse: Path) -> float:
    env = {**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse)}
    dbt = Path(sys.executable).with_name("dbt")
    started = time.perf_counter()
    subprocess.run([str(dbt), "build", "--quiet", "--profiles-dir", "."], cwd=ROOT / "dbt_project", env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from benchmarks.harness import benchmark_home  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    end = dt.date(2026, 10, 31)
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
        home = benchmark_home(Path(tmp))
        started = time.perf_counter()
        org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months, end_date=end)
        generate_s = time.perf_counter() - started
        with SandboxServer(org, port=0, exports_dir=Path(tmp) / "exports") as server:
            os.environ.update(server.env())
            land_full = land_everything(home)
            full = dbt_build(home / "warehouse.duckdb")
            server.advance(days=1)
            land_day = land_everything(home)
            incremental = dbt_build(home / "warehouse.duckdb")
    print(f"organisation: {args.employees} employees x {args.months} months (seed {args.seed})")
    print(f"  generate                      {generate_s:8.1f} s")
    print(f"  land every source (full)      {land_full:8.1f} s")
    print(f"  dbt build, full               {full:8.1f} s")
    print(f"  land one more day             {land_day:8.1f} s")
    print(f"  dbt build, incremental        {incremental:8.1f} s")
    print(f"  incremental / full            {incremental / full:8.1%}")


if __name__ == "__main__":
    main()
