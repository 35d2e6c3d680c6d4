"""The landing path alone: batches fetched first, then landed into DuckDB with nothing else running.

    .venv/bin/python benchmarks/bench_landing.py --employees 2000
    .venv/bin/python benchmarks/bench_landing.py --employees 2000 --repo DIR   # the code in DIR

The connector benchmarks time fetching, parsing and landing together, against a sandbox that shares
the machine. This one takes them apart: each extractor's batches are fetched from the sandbox (its own
process) and kept in memory, timed in wall and CPU seconds of this process (the CPU is the
extractor's: HTTP client, JSON, rows, pseudonymisation; the rest of the wall time is waiting for the
sandbox), then landed by `land_extractor` into a fresh DuckDB file, inline (no read-ahead), timed
the same way (the CPU is Python's and DuckDB's threads). Then the same batches are landed again in reverse order, every key already stored
(the merge's update path). `--concurrent` instead fetches the sources one after another and then each
in its own thread, twice each (after one untimed fetch that warms the sandbox's caches): what landing
independent sources concurrently could gain against this sandbox. `--repo DIR` imports the connectors and the landing from DIR, to compare
before and after on the same batches; `--keep DIR` keeps the warehouses to compare their tables.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Replayed:
    """An extractor that yields batches fetched beforehand."""

    def __init__(self, extractor, batches):
        self.source, self.name, self.specs, self._batches = extractor.source, extractor.name, extractor.specs, batches

    def batches(self, state):
        yield from self._batches


def fetch_concurrently(sources: dict, names: list[str], env: dict, key: str) -> None:
    """Fetch every extractor of `names`, one source after another, then one thread per source."""
    from connectors.privacy import Pseudonymiser  # noqa: PLC0415

    def fetch(name: str, seconds: dict[str, float]) -> None:
        started = time.perf_counter()
        for extractor in sources[name].build(sources[name].settings(env), Pseudonymiser(key)):
            for _ in extractor.batches(None):
                pass
        seconds[name] = time.perf_counter() - started

    for name in names:
        fetch(name, {})
    for mode in ("one after another", "threads", "one after another", "threads"):
        seconds: dict[str, float] = {}
        wall, cpu = time.perf_counter(), time.process_time()
        if mode == "threads":
            threads = [threading.Thread(target=fetch, args=(name, seconds)) for name in names]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:
            for name in names:
                fetch(name, seconds)
        print(f"{mode:<18} wall {time.perf_counter() - wall:6.1f} s, CPU {time.process_time() - cpu:5.1f} s; "
              + ", ".join(f"{name} {seconds[name]:.1f} s" for name in names), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sources", default="jira,zendesk,github_copilot")
    parser.add_argument("--repo", type=Path, help="land with the connectors and landing code in this directory")
    parser.add_argument("--keep", type=Path, help="keep the landed warehouses in this directory")
    parser.add_argument("--concurrent", action="store_true",
                        help="fetch the sources one after another and concurrently (no landing)")
    args = parser.parse_args()
    sys.path.insert(0, str((args.repo or ROOT).resolve()))
    sys.path.insert(1, str(ROOT))

    import duckdb  # noqa: PLC0415

    from benchmarks.harness import BENCHMARK_PSEUDONYM_KEY, sandbox_process  # noqa: PLC0415
    from connectors.privacy import Pseudonymiser  # noqa: PLC0415
    from connectors.registry import load_sources  # noqa: PLC0415
    from pipelines.landing import land_extractor  # noqa: PLC0415
    from pipelines.warehouse import initialise  # noqa: PLC0415

    sources = {source.name: source for source in load_sources()}
    if args.concurrent:
        with sandbox_process(seed=args.seed, employees=args.employees, months=args.months) as env:
            fetch_concurrently(sources, args.sources.split(","), env, BENCHMARK_PSEUDONYM_KEY)
        return
    totals = [0.0] * 6
    widths = (8, 7, 8, 7, 8, 7)
    print(f"{'extractor':<32} {'batches':>8} {'rows':>10} {'fetch s':>8} {'CPU s':>7} {'land s':>8} {'CPU s':>7} "
          f"{'again s':>8} {'CPU s':>7}")
    with sandbox_process(seed=args.seed, employees=args.employees, months=args.months) as env, \
            tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for name in args.sources.split(","):
            source = sources[name]
            for extractor in source.build(source.settings(env), Pseudonymiser(BENCHMARK_PSEUDONYM_KEY)):
                wall, cpu = time.perf_counter(), time.process_time()
                batches = list(extractor.batches(None))
                figures = [time.perf_counter() - wall, time.process_time() - cpu]
                conn = duckdb.connect(str(out / f"{name}-{extractor.name}.duckdb"))
                initialise(conn)
                land_extractor(conn, Replayed(extractor, []), "tables")  # table creation out of the timing
                for run_id, replayed in (("first", batches), ("again", batches[::-1])):
                    wall, cpu = time.perf_counter(), time.process_time()
                    report = land_extractor(conn, Replayed(extractor, replayed), run_id, read_ahead_batches=0)
                    figures += [time.perf_counter() - wall, time.process_time() - cpu]
                conn.close()
                totals = [a + b for a, b in zip(totals, figures, strict=True)]
                print(f"{name + '/' + extractor.name:<32} {report.batches:>8} {report.rows:>10,} "
                      + " ".join(f"{f:>{w}.2f}" for f, w in zip(figures, widths, strict=True)), flush=True)
    print(f"{'total':<32} {'':>8} {'':>10} " + " ".join(f"{f:>{w}.2f}" for f, w in zip(totals, widths, strict=True)))


if __name__ == "__main__":
    main()
