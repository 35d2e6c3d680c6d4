"""Generation time and peak memory of the demo organisation.

    .venv/bin/python benchmarks/bench_sandbox.py --employees 10000 --months 12

Prints wall time per stage (people+tickets+surveys, daily usage, CSV exports, one full pass over the
Jira and Zendesk views the server builds) and the process's peak RSS. Nothing is asserted: the brief's
targets (10,000 x 12 in < 2 min, < 2 GB) are read off the output.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import generate_organisation  # noqa: E402


def peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--employees", type=int, default=10_000)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months, end_date=args.end_date)
    t1 = time.perf_counter()
    usage = org.usage
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        org.write_exports(d)
    t3 = time.perf_counter()
    now = org.now
    visible = sum(1 for t in org.jira.tickets + org.zendesk.tickets if t.created <= now and t.updated_at(now))
    t4 = time.perf_counter()

    seats = sum(len(u.seats) for u in usage.tools.values())
    print(f"organisation: seed={args.seed} employees={args.employees} months={args.months} "
          f"people={len(org.people.employees)} jira={len(org.jira.tickets)} zendesk={len(org.zendesk.tickets)} "
          f"servicenow={len(org.servicenow.tickets)} surveys={len(org.surveys)} training={len(org.training)} seats={seats}")
    print(f"generate (people, tickets, training, surveys): {t1 - t0:7.2f} s")
    print(f"daily usage matrices:                          {t2 - t1:7.2f} s")
    print(f"CSV exports:                                   {t3 - t2:7.2f} s")
    print(f"as-of-now pass over {visible} tickets:          {t4 - t3:7.2f} s")
    print(f"total generation time:                         {t4 - t0:7.2f} s")
    print(f"peak RSS:                                      {peak_rss_mb():7.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
