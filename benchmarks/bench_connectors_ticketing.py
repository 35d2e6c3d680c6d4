"""Throughput of the ticketing and HR-directory connectors against the sandbox.

For each source: records landed per second (HTTP + parsing + pseudonymisation + DuckDB merge, the
full `land_extractor` path), against a ceiling: the very same HTTP requests (recorded while landing)
replayed one after another with a plain `requests.Session`, reading the bodies and nothing else.
The sandbox serves from its own process (see benchmarks/harness.py).

    uv run python benchmarks/bench_connectors_ticketing.py                 # 10,000 employees x 12 months
    uv run python benchmarks/bench_connectors_ticketing.py --employees 500 --months 3

`--warmup` lands once untimed first, so the timed landing meets warm sandbox caches as the replay
does. Every source's requests are replayed one after another, as its connector sends them (Zendesk's
audits come from the ticket event export, 1000 a page, no longer one request per ticket).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import rate, recorded_requests, replay, sandbox_process  # noqa: E402
from connectors import bamboohr, jira, msgraph_directory, servicenow, zendesk  # noqa: E402
from connectors.privacy import Pseudonymiser  # noqa: E402
from pipelines.landing import land_extractor  # noqa: E402
from pipelines.warehouse import initialise  # noqa: E402

MODULES = (jira, zendesk, servicenow, msgraph_directory, bamboohr)
REPLAY_WORKERS: dict[str, int] = {}  # sources whose connector fetches several requests at a time


def land(module, env: dict, workdir: Path):
    """Land every extractor of `module` into a fresh DuckDB file: (rows, seconds, requests sent)."""
    workdir.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(workdir / f"{module.SOURCE.name}.duckdb"))
    initialise(conn)
    extractors = module.build(module.SOURCE.settings(env), Pseudonymiser("benchmark-pseudonym-key"))
    with recorded_requests() as sent:
        started = time.perf_counter()
        rows = sum(land_extractor(conn, x, "bench").rows for x in extractors)
        seconds = time.perf_counter() - started
    conn.close()
    return rows, seconds, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="delay every sandbox response by this much, as an API across the internet would")
    parser.add_argument("--vendor-limits", action="store_true",
                        help="the sandbox enforces the vendors' documented request limits (docs/rate_limits.md)")
    parser.add_argument("--limits-time-scale", type=float, default=1.0,
                        help="with --vendor-limits: multiply every limit's window by this")
    parser.add_argument("--sources", default=",".join(m.SOURCE.name for m in MODULES),
                        help="comma list of sources to run")
    parser.add_argument("--warmup", action="store_true",
                        help="land once untimed first (fairer at small sizes, one more pass at large ones)")
    args = parser.parse_args()
    wanted = set(args.sources.split(","))

    header = (f"{'source':<18} {'requests':>9} {'records':>10} {'landed s':>9} {'landed rec/s':>13} "
              f"{'raw fetch s':>12} {'raw rec/s':>11} {'MB':>7} {'landed/raw':>10}")
    with sandbox_process(seed=args.seed, employees=args.employees, months=args.months,
                         latency_ms=args.latency_ms, vendor_limits=args.vendor_limits,
                         limits_time_scale=args.limits_time_scale) as env, \
            tempfile.TemporaryDirectory() as tmp:
        land(bamboohr, env, Path(tmp) / "imports")  # this process's lazy imports, out of every timing
        rows_out = []
        for module in MODULES:
            if module.SOURCE.name not in wanted:
                continue
            if args.warmup:
                land(module, env, Path(tmp) / "warmup")
            rows, seconds, sent = land(module, env, Path(tmp) / "timed")
            raw_seconds, size = replay(sent, workers=REPLAY_WORKERS.get(module.SOURCE.name, 1))
            rows_out.append(
                f"{module.SOURCE.name:<18} {len(sent):>9} {rows:>10} {seconds:>9.1f} {rate(rows, seconds):>13} "
                f"{raw_seconds:>12.1f} {rate(rows, raw_seconds):>11} {size / 1e6:>7.1f} {raw_seconds / seconds:>10.2f}"
            )
            print(f"  done {module.SOURCE.name}: {rows_out[-1]}", file=sys.stderr, flush=True)
        limits = f", vendor limits x{args.limits_time_scale:g}" if args.vendor_limits else ""
        print(f"{args.employees} employees x {args.months} months, seed {args.seed}, "
              f"{args.latency_ms:g} ms added to every response{limits}")
        print(header)
        print("\n".join(rows_out))


if __name__ == "__main__":
    main()
