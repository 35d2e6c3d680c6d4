"""How long a first backfill takes under each vendor's documented request limits.

Lands every HTTP source once from the sandbox (its own process, no limits), recording each request,
then replays that very sequence of requests against the vendors' limits (sandbox/server/rate_limits.py,
sources in docs/rate_limits.md) on a simulated clock: each request costs its share of the measured
landing time, and a request over a limit first waits the Retry-After the vendor would send. The
result is the time these connectors, as they send requests today (one after another), would need
against real tenants, and which limit binds. It is computed, not measured against the vendors.

    .venv/bin/python benchmarks/bench_vendor_limits.py --employees 10000 --months 12
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import recorded_requests, sandbox_process  # noqa: E402
from connectors import (  # noqa: E402
    bamboohr,
    github_copilot,
    jira,
    m365_copilot,
    msgraph_directory,
    openai_usage,
    qualtrics,
    servicenow,
    typeform,
    zendesk,
)
from connectors.privacy import Pseudonymiser  # noqa: E402
from pipelines.landing import land_extractor  # noqa: E402
from pipelines.warehouse import initialise  # noqa: E402
from sandbox.server.rate_limits import VendorLimits  # noqa: E402

# connector module -> (the sandbox's vendor name, the variable holding its base URL)
VENDORS = {
    jira: ("jira", "JIRA_BASE_URL"),
    zendesk: ("zendesk", "ZENDESK_BASE_URL"),
    servicenow: ("servicenow", "SERVICENOW_BASE_URL"),
    msgraph_directory: ("msgraph", "MSGRAPH_BASE_URL"),
    bamboohr: ("bamboohr", "BAMBOOHR_BASE_URL"),
    github_copilot: ("github", "GITHUB_BASE_URL"),
    m365_copilot: ("msgraph", "MSGRAPH_BASE_URL"),
    openai_usage: ("openai", "OPENAI_BASE_URL"),
    typeform: ("typeform", "TYPEFORM_BASE_URL"),
    qualtrics: ("qualtrics", "QUALTRICS_BASE_URL"),
}


def vendor_path(url: str, base_url: str) -> str | None:
    """The path under the vendor's prefix (`/api/v2/...`), or None for another host's URL."""
    prefix = urlsplit(base_url).path.rstrip("/")
    path = urlsplit(url).path
    vendor_root = "/" + prefix.strip("/").split("/")[0] if prefix else ""
    return path[len(vendor_root):] if path.startswith(vendor_root + "/") else None


def under_limits(vendor: str, paths: list[str], seconds: float) -> tuple[float, float, dict[str, int]]:
    """(simulated seconds, seconds waited, 429s by limit) for `paths` sent one after another."""
    clock = [0.0]
    limits = VendorLimits(enabled=True, clock=lambda: clock[0])
    per_request = seconds / max(1, len(paths))
    waited, hits = 0.0, {}
    for path in paths:
        while (over := limits.check(vendor, path)) is not None:
            limit, wait = over
            hits[limit.name] = hits.get(limit.name, 0) + 1
            wait = max(1.0, wait)  # Retry-After is whole seconds
            clock[0] += wait
            waited += wait
        clock[0] += per_request
    return clock[0], waited, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows_out = []
    with sandbox_process(seed=args.seed, employees=args.employees, months=args.months) as env, \
            tempfile.TemporaryDirectory() as tmp:
        for module, (vendor, url_variable) in VENDORS.items():
            conn = duckdb.connect(str(Path(tmp) / f"{module.SOURCE.name}.duckdb"))
            initialise(conn)
            extractors = module.SOURCE.build(module.SOURCE.settings(env), Pseudonymiser("benchmark-pseudonym-key"))
            with recorded_requests() as sent:
                started = time.perf_counter()
                for x in extractors:
                    land_extractor(conn, x, "bench")
                seconds = time.perf_counter() - started
            conn.close()
            paths = [p for p in (vendor_path(r.url, env[url_variable]) for r in sent) if p is not None]
            total, waited, hits = under_limits(vendor, paths, seconds)
            binding = ", ".join(f"{name} ({n})" for name, n in sorted(hits.items(), key=lambda kv: -kv[1])) or "-"
            rows_out.append(f"{module.SOURCE.name:<18} {len(paths):>9} {seconds:>10.1f} {total:>12.1f} "
                            f"{total / 60:>8.1f}  {binding}")
            print(f"  done {rows_out[-1]}", file=sys.stderr, flush=True)
    print(f"{args.employees} employees x {args.months} months, seed {args.seed}: first backfill, computed "
          "from the requests sent x the vendors' documented limits")
    print(f"{'source':<18} {'requests':>9} {'no limit s':>10} {'with limits s':>12} {'minutes':>8}  "
          "limit that made it wait (429s)")
    print("\n".join(rows_out))


if __name__ == "__main__":
    main()
