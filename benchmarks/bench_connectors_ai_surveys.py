"""Records per second landed by the AI-tool, survey and training connectors, against the raw fetch ceiling.

Generates the sandbox organisation, serves it on 127.0.0.1, and for each source:
1. fetch: runs the extractors without landing and counts the seconds spent inside HTTP requests
   (CSV sources: reading and splitting the file), so `fetch rec/s` = rows / time on the wire, the
   most a connector could land per second without parsing or DuckDB;
2. extract: the same run's wall time (fetch + parse + pseudonymise);
3. landed: a fresh run landed into a fresh DuckDB warehouse (merge by key, quarantine, cursor).

    uv run python benchmarks/bench_connectors_ai_surveys.py                  # 300 employees, 6 months
    uv run python benchmarks/bench_connectors_ai_surveys.py --employees 1000 --months 12
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors import (  # noqa: E402
    github_copilot,
    m365_copilot,
    openai_usage,
    qualtrics,
    survey_csv,
    training_csv,
    typeform,
)
from connectors.privacy import Pseudonymiser  # noqa: E402
from pipelines.landing import land_extractor  # noqa: E402
from pipelines.warehouse import connect  # noqa: E402
from sandbox import SandboxServer, generate_organisation  # noqa: E402

SOURCES = (github_copilot, m365_copilot, openai_usage, typeform, qualtrics, survey_csv, training_csv)
P = Pseudonymiser("benchmark-pseudonym-key-0123456789")


def build(module, env):
    extractors = module.SOURCE.build(module.SOURCE.settings(env), P)
    for ext in extractors:
        if isinstance(ext, qualtrics.QualtricsExtractor):
            ext.poll_first = 0.02  # the sandbox finishes an export after two polls; do not time our sleeps
    return extractors


def timed_http(ext) -> list[float]:
    """Accumulate the seconds `ext`'s HTTP session spends in requests (instrumentation only)."""
    spent = [0.0]
    client = getattr(ext, "client", None)
    if client is None:
        return spent
    inner = client.session.request

    def request(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    client.session.request = request
    return spent


def csv_read_seconds(path: Path) -> float:
    started = time.perf_counter()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for file in files:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            for _ in csv.reader(handle):
                pass
    return time.perf_counter() - started


def measure(module, env, workdir: Path) -> dict:
    rows = requests = 0
    fetch = extract = 0.0
    for ext in build(module, env):
        spent = timed_http(ext)
        started = time.perf_counter()
        rows += sum(b.row_count + len(b.rejects) for b in ext.batches(None))
        extract += time.perf_counter() - started
        fetch += spent[0]
        requests += getattr(getattr(ext, "client", None), "requests_sent", 0)
    if module in (survey_csv, training_csv):
        fetch = csv_read_seconds(Path(env[module.PATH_VARIABLE]))
    landed_rows, land = 0, 0.0
    with connect(workdir / f"{module.SOURCE.name}.duckdb") as conn:
        for ext in build(module, env):
            report = land_extractor(conn, ext, "bench")
            landed_rows += report.rows + report.rejects
            land += report.seconds
    return {"source": module.SOURCE.name, "records": rows, "requests": requests, "fetch_s": fetch,
            "extract_s": extract, "landed": landed_rows, "land_s": land}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    org = generate_organisation(seed=args.seed, employees=args.employees, months=args.months)
    print(f"organisation: {args.employees} employees, {args.months} months, generated in "
          f"{time.perf_counter() - started:.1f} s; sandbox now {org.now:%Y-%m-%d}")
    # Backfill from the start of the generated usage up to our clock, so the first run reads it all.
    days = (dt.date.today() - org.usage.tools["github_copilot"].start).days + 1
    with SandboxServer(org, port=0) as server, tempfile.TemporaryDirectory(prefix="bench-ai-") as tmp:
        env = {**server.env(), "GITHUB_COPILOT_BACKFILL_DAYS": str(min(days, 366)),
               "OPENAI_USAGE_BACKFILL_DAYS": str(days)}
        header = f"{'source':<14}{'records':>9}{'requests':>9}{'fetch rec/s':>13}{'extract rec/s':>15}{'landed rec/s':>14}{'land s':>8}"
        print(header)
        print("-" * len(header))
        for module in SOURCES:
            r = measure(module, env, Path(tmp))
            rate = lambda n, s: f"{n / s:,.0f}" if s > 0 else "-"  # noqa: E731
            print(f"{r['source']:<14}{r['records']:>9,}{r['requests']:>9,}{rate(r['records'], r['fetch_s']):>13}"
                  f"{rate(r['records'], r['extract_s']):>15}{rate(r['landed'], r['land_s']):>14}{r['land_s']:>8.2f}")


if __name__ == "__main__":
    main()
