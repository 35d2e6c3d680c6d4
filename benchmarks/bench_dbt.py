"""dbt build time: a full build of the demo organisation, then an incremental build of one more day.

    .venv/bin/python benchmarks/bench_dbt.py --employees 10000 --months 12

Generates the organisation, serves it through the sandbox, lands every source (timed separately),
runs `dbt build` from scratch, advances the simulated clock by one day, lands the increment and runs
`dbt build` again. Incremental models should make the second build a small fraction of the first.
A third build with nothing new landed measures the floor every build pays whatever the data (dbt's
start-up, parsing and per-node work, tests over unchanged tables): what a build costs above that
floor is the cost of its data, history for the full build, one day for the incremental one.

Landing 10,000 employees takes a quarter of an hour, so `--raw-cache DIR` keeps the two landed
warehouses (full history, and one more day) in DIR and later runs reuse them: a model change can be
measured again in the time of the two builds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SLOWEST_NODES = 8


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


def replace_landed_data(warehouse: Path, landed: Path) -> None:
    """Make `warehouse`'s raw, meta and quarantine tables equal to those of `landed` (dbt's own are kept)."""
    import duckdb  # noqa: PLC0415

    conn = duckdb.connect(str(warehouse))
    try:
        conn.execute(f"attach '{landed}' as landed (read_only)")
        tables = conn.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'landed' "
            "and (schema_name like 'raw_%' or schema_name in ('meta', 'quarantine'))").fetchall()
        for schema, table in tables:
            conn.execute(f'create schema if not exists "{schema}"')
            conn.execute(f'create table if not exists "{schema}"."{table}" as '
                         f'select * from landed."{schema}"."{table}" limit 0')
            conn.execute(f'delete from "{schema}"."{table}"')
            conn.execute(f'insert into "{schema}"."{table}" select * from landed."{schema}"."{table}"')
    finally:
        conn.close()


def dbt_target(warehouse: Path) -> Path:
    return warehouse.parent / "dbt-target"


def run_dbt(warehouse: Path, *args: str) -> None:
    from pipelines.assets.dbt import DBT_PROJECT_DIR, dbt_executable  # noqa: PLC0415

    env = {**os.environ, "ARCHIPELAGO_WAREHOUSE_PATH": str(warehouse)}
    subprocess.run([dbt_executable(), *args, "--quiet", "--profiles-dir", ".", "--target-path", str(dbt_target(warehouse))],
                   cwd=DBT_PROJECT_DIR, env=env, check=True)


def dbt_parse(warehouse: Path) -> None:
    """Parse once, untimed, so that every build measured starts from the same partial parse, as a
    deployment's builds do (`make setup` parses)."""
    run_dbt(warehouse, "parse")


def dbt_build(warehouse: Path, label: str) -> float:
    """Run `dbt build` as a refresh does, print where the time went and return the seconds it took."""
    from pipelines.assets.dbt import REFRESH_BUILD_ARGS, REFRESH_EXCLUDE  # noqa: PLC0415

    started = time.perf_counter()
    # The dbt assets pass their exclusion (the sources' own tests) to every build; so does this one.
    run_dbt(warehouse, *REFRESH_BUILD_ARGS, "--exclude", REFRESH_EXCLUDE)
    elapsed = time.perf_counter() - started
    results = json.loads((dbt_target(warehouse) / "run_results.json").read_text())["results"]
    by_type: dict[str, list[float]] = {}
    for result in results:
        by_type.setdefault(result["unique_id"].split(".")[0], []).append(result["execution_time"])
    split = ", ".join(f"{len(times)} {kind}s {sum(times):.1f} s" for kind, times in sorted(by_type.items()))
    in_nodes = sum(sum(times) for times in by_type.values())
    print(f"dbt build, {label}: {elapsed:.1f} s ({split}; parsing and dbt's own work {elapsed - in_nodes:.1f} s)")
    print("  slowest nodes:")
    for result in sorted(results, key=lambda r: r["execution_time"], reverse=True)[:SLOWEST_NODES]:
        print(f"  {result['execution_time']:7.1f} s  {result['unique_id']}")
    return elapsed


def measure_builds(warehouse: Path, land_next_day: Callable[[], None]) -> tuple[float, float, float]:
    """The full build, then `land_next_day()` (untimed here), the incremental build and a build with
    nothing new: their seconds."""
    dbt_parse(warehouse)
    full = dbt_build(warehouse, "full")
    land_next_day()
    return full, dbt_build(warehouse, "incremental"), dbt_build(warehouse, "nothing new")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--raw-cache", type=Path, help="keep the landed warehouses here and reuse them")
    args = parser.parse_args()

    from benchmarks.harness import benchmark_home  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    end = dt.date(2026, 10, 31)
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
        home = benchmark_home(Path(tmp))
        warehouse = home / "warehouse.duckdb"
        cache = args.raw_cache / f"{args.employees}x{args.months}-seed{args.seed}" if args.raw_cache else None
        generate_s = land_full = land_day = 0.0
        if cache and (cache / "day.duckdb").exists():
            print(f"reusing the landed warehouses in {cache}")
            shutil.copyfile(cache / "full.duckdb", warehouse)
            full, incremental, floor = measure_builds(
                warehouse, lambda: replace_landed_data(warehouse, cache / "day.duckdb"))
        else:
            started = time.perf_counter()
            org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months, end_date=end)
            generate_s = time.perf_counter() - started
            with SandboxServer(org, port=0, exports_dir=Path(tmp) / "exports") as server:
                os.environ.update(server.env())
                land_full = land_everything(home)
                if cache:
                    cache.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(warehouse, cache / "full.duckdb")

                def land_one_more_day() -> None:
                    nonlocal land_day
                    server.advance(days=1)
                    land_day = land_everything(home)
                    if cache:
                        shutil.copyfile(warehouse, cache / "day.duckdb")

                full, incremental, floor = measure_builds(warehouse, land_one_more_day)
    print(f"organisation: {args.employees} employees x {args.months} months (seed {args.seed})")
    print(f"  generate                      {generate_s:8.1f} s")
    print(f"  land every source (full)      {land_full:8.1f} s")
    print(f"  dbt build, full               {full:8.1f} s")
    print(f"  land one more day             {land_day:8.1f} s")
    print(f"  dbt build, incremental        {incremental:8.1f} s")
    print(f"  dbt build, nothing new        {floor:8.1f} s")
    print(f"  incremental / full            {incremental / full:8.1%}")
    print(f"  above the floor: the history  {full - floor:8.1f} s, the day {incremental - floor:.1f} s "
          f"({(incremental - floor) / (full - floor):.1%})")


if __name__ == "__main__":
    main()
