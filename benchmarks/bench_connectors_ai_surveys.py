"""Records per second landed by the AI-tool, survey and training connectors, against the raw fetch ceiling.

For each source: records landed per second (HTTP + parsing + pseudonymisation + DuckDB merge, the
full `land_extractor` path into a fresh warehouse), against a ceiling: the very same HTTP requests
(recorded while landing) replayed with a plain `requests.Session` that reads the bodies and nothing
else; for the CSV sources, reading the files with `csv.reader`. The sandbox serves from its own
process (see benchmarks/harness.py).

    uv run python benchmarks/bench_connectors_ai_surveys.py                  # 10,000 employees x 12 months
    uv run python benchmarks/bench_connectors_ai_surveys.py --employees 1000 --months 12
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import rate, recorded_requests, replay, sandbox_process  # noqa: E402
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

SOURCES = (github_copilot, m365_copilot, openai_usage, typeform, qualtrics, survey_csv, training_csv)
CSV_SOURCES = (survey_csv, training_csv)
P = Pseudonymiser("benchmark-pseudonym-key-0123456789")


def build(module, env):
    extractors = module.SOURCE.build(module.SOURCE.settings(env), P)
    for ext in extractors:
        if isinstance(ext, qualtrics.QualtricsExtractor):
            ext.poll_first = 0.02  # the sandbox finishes an export after two polls; do not time our sleeps
    return extractors


def csv_read_seconds(path: Path) -> float:
    started = time.perf_counter()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for file in files:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            for _ in csv.reader(handle):
                pass
    return time.perf_counter() - started


def measure(module, env, workdir: Path) -> dict:
    """Land `module` into a fresh warehouse, then measure its ceiling."""
    landed = 0
    with connect(workdir / f"{module.SOURCE.name}.duckdb") as conn, recorded_requests() as sent:
        started = time.perf_counter()
        for ext in build(module, env):
            report = land_extractor(conn, ext, "bench")
            landed += report.rows + report.rejects
        land_seconds = time.perf_counter() - started
    if module in CSV_SOURCES:
        raw_seconds = csv_read_seconds(Path(env[module.PATH_VARIABLE]))
    else:
        raw_seconds, _ = replay(sent)
    return {"source": module.SOURCE.name, "records": landed, "requests": len(sent),
            "land_s": land_seconds, "raw_s": raw_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="delay every sandbox response by this much, as an API across the internet would")
    args = parser.parse_args()

    with sandbox_process(seed=args.seed, employees=args.employees, months=args.months,
                         latency_ms=args.latency_ms) as served, \
            tempfile.TemporaryDirectory(prefix="bench-ai-") as tmp:
        # Backfill the whole generated history, so the first run reads it all.
        env = {**served, "GITHUB_COPILOT_BACKFILL_DAYS": "366", "OPENAI_USAGE_BACKFILL_DAYS": "366"}
        header = (f"{'source':<14}{'records':>10}{'requests':>9}{'landed s':>9}{'landed rec/s':>14}"
                  f"{'raw s':>8}{'raw rec/s':>12}{'landed/raw':>11}")
        lines = []
        for module in SOURCES:
            r = measure(module, env, Path(tmp))
            lines.append(f"{r['source']:<14}{r['records']:>10,}{r['requests']:>9,}{r['land_s']:>9.1f}"
                         f"{rate(r['records'], r['land_s']):>14}{r['raw_s']:>8.1f}{rate(r['records'], r['raw_s']):>12}"
                         f"{r['raw_s'] / r['land_s']:>11.2f}")
            print(f"  done {lines[-1]}", file=sys.stderr, flush=True)
        print(f"{args.employees} employees x {args.months} months, seed {args.seed}, "
              f"{args.latency_ms:g} ms added to every response")
        print(header)
        print("-" * len(header))
        print("\n".join(lines))


if __name__ == "__main__":
    main()
