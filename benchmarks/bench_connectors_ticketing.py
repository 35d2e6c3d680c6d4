"""Throughput of the ticketing and HR-directory connectors against the sandbox.

For each source: records landed per second (HTTP + parsing + pseudonymisation + DuckDB merge, the
full `land_extractor` path), against a ceiling: the very same HTTP requests (recorded while landing)
replayed one after another with a plain `requests.Session`, reading the bodies and nothing else.

    uv run python benchmarks/bench_connectors_ticketing.py                 # 10,000 employees x 12 months
    uv run python benchmarks/bench_connectors_ticketing.py --employees 500 --months 3

The timed landing records its requests, which are then replayed (`--warmup`: land once untimed
first, so the landing also meets warm sandbox caches). The sandbox runs in this process, so its CPU
time is in both figures. Zendesk audits are fetched four tickets at a time by the connector but
replayed one by one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors import bamboohr, jira, msgraph_directory, servicenow, zendesk  # noqa: E402
from connectors.privacy import Pseudonymiser  # noqa: E402
from pipelines.landing import land_extractor  # noqa: E402
from pipelines.warehouse import initialise  # noqa: E402
from sandbox import SandboxServer, generate_organisation  # noqa: E402

MODULES = (jira, zendesk, servicenow, msgraph_directory, bamboohr)


class RecordingSession(requests.Session):
    """A session that keeps a copy of every request it sends (URL, headers, body)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[override]
        self.sent.append(request.copy())
        return super().send(request, **kwargs)


def land(module, env: dict, workdir: Path) -> tuple[int, float, list[requests.PreparedRequest]]:
    workdir.mkdir(parents=True, exist_ok=True)
    session = RecordingSession()
    conn = duckdb.connect(str(workdir / f"{module.SOURCE.name}.duckdb"))
    initialise(conn)
    extractors = module.build(module.SOURCE.settings(env), Pseudonymiser("benchmark-pseudonym-key"), session=session)
    started = time.perf_counter()
    rows = sum(land_extractor(conn, x, "bench").rows for x in extractors)
    seconds = time.perf_counter() - started
    conn.close()
    return rows, seconds, session.sent


def replay(sent: list[requests.PreparedRequest]) -> tuple[float, int]:
    plain = requests.Session()
    started = time.perf_counter()
    size = 0
    for request in sent:
        response = plain.send(request, timeout=(5, 120))
        size += len(response.content)
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sources", default=",".join(m.SOURCE.name for m in MODULES),
                        help="comma list of sources to run")
    parser.add_argument("--warmup", action="store_true",
                        help="land once untimed first (fairer at small sizes, one more pass at large ones)")
    args = parser.parse_args()
    wanted = set(args.sources.split(","))

    started = time.perf_counter()
    org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months)
    print(f"organisation: {args.employees} employees x {args.months} months, seed {args.seed}: "
          f"{len(org.jira.tickets)} Jira issues, {len(org.zendesk.tickets)} Zendesk tickets, "
          f"{len(org.servicenow.tickets)} ServiceNow incidents (generated in {time.perf_counter() - started:.1f} s)")
    header = (f"{'source':<18} {'requests':>9} {'records':>10} {'landed s':>9} {'landed rec/s':>13} "
              f"{'raw fetch s':>12} {'raw rec/s':>11} {'MB':>7} {'landed/raw':>10}")
    with SandboxServer(org, port=0) as server, tempfile.TemporaryDirectory() as tmp:
        env = server.env()
        warm = next(m for m in MODULES if m.SOURCE.name == "bamboohr")
        land(warm, env, Path(tmp) / "imports")  # this process's lazy imports, out of every timing
        rows_out = []
        for module in MODULES:
            if module.SOURCE.name not in wanted:
                continue
            if args.warmup:
                # An untimed landing records the requests and warms the sandbox's caches, so both
                # timed passes below see the same server; it costs one more pass.
                _, _, sent = land(module, env, Path(tmp) / "warmup")
                raw_seconds, size = replay(sent)
                rows, seconds, _ = land(module, env, Path(tmp))
            else:
                rows, seconds, sent = land(module, env, Path(tmp))
                raw_seconds, size = replay(sent)
            rows_out.append(
                f"{module.SOURCE.name:<18} {len(sent):>9} {rows:>10} {seconds:>9.1f} {rows / seconds:>13,.0f} "
                f"{raw_seconds:>12.1f} {rows / raw_seconds:>11,.0f} {size / 1e6:>7.1f} {raw_seconds / seconds:>10.2f}"
            )
            print(f"  done {module.SOURCE.name}", file=sys.stderr, flush=True)
        print(header)
        print("\n".join(rows_out))


if __name__ == "__main__":
    main()
