"""A whole refresh as `archipelago refresh` runs it, split into its stages.

    .venv/bin/python benchmarks/bench_refresh.py --employees 300
    .venv/bin/python benchmarks/bench_refresh.py --employees 300 --incremental-days 1

Serves the organisation from the sandbox in its own process (every source over HTTP, as a vendor's
API is remote) and runs the `archipelago refresh` command in a fresh process against it: landing of
every source, `dbt build`, every check, publication and the summary. With `--incremental-days D` that
refresh is the set-up; the sandbox's clock then moves D days and the refresh measured is the next
one, which lands only what is new (both tables are printed).

`--repo DIR` runs the refresh of the code in DIR instead (e.g. `git archive main | tar -x -C DIR`,
then `dbt parse` there as `make setup` does), to compare before and after in one session on a
machine whose load moves every figure: alternate the two.

Stages come from the run's Dagster event log (each step's STEP_START -> STEP_SUCCESS): start-up is
the command's start to the run's start (imports, loading the code location); "between steps" is the
run's wall time that no step accounts for (Dagster's own bookkeeping). Peak memory is the largest sum
of the resident memory of the refresh process and all its descendants (dbt, and on Spark the JVM that
dbt's session and the marts' read-back start), sampled every 0.2 s. The CPU seconds of the refresh and
dbt are printed too: on a shared machine they move less with the load. The load average is printed at
the start and the end of each refresh. A refresh that fails, or is interrupted (Ctrl-C stops its whole
process tree), still prints the stages it reached, from its Dagster event log.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
REPARSE_MARKER = "Unable to do partial parsing"


class TreeMemorySampler(threading.Thread):
    """Peak of the summed resident memory of a process and all its descendants (Linux /proc), which of
    them held it at that moment, and the CPU time of every process of the tree (sampled: a JVM that dbt
    does not wait for is missing from the CPU time `wait4` reports)."""

    CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_bytes = pid, interval, 0
        self.peak_by_process: dict[str, int] = {}
        self.cpu_ticks: dict[tuple[int, str], int] = {}  # (pid, start time): utime + stime, last sampled
        self.stop_event = threading.Event()

    def tree(self) -> dict[int, list[str]]:
        """pid -> its /proc/<pid>/stat fields after the command name, for the process and its descendants."""
        stats: dict[int, list[str]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(entry.path, "stat").read_text()
                    stats[int(entry.name)] = [stat[stat.index("(") + 1:stat.rindex(")")],
                                              *stat[stat.rindex(")") + 2:].split()]
                except (OSError, ValueError):
                    continue
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, fields in stats.items() if int(fields[2]) == parent and pid not in tree]
            tree.update(children)
            frontier.extend(children)
        return {pid: stats[pid] for pid in tree if pid in stats}

    @staticmethod
    def address_space(fields: list[str]) -> tuple[str, ...]:
        """vsize, startcode, endcode, startstack: equal in a parent and a child it forked that has not
        exec'd yet."""
        return fields[21], fields[24], fields[25], fields[26]

    def sample(self) -> None:
        total, by_process = 0, defaultdict(int)
        tree = self.tree()
        for pid, fields in tree.items():
            # fields: [comm, state, ppid, ...]; utime and stime are stat's 14th and 15th, starttime its 22nd.
            self.cpu_ticks[(pid, fields[20])] = int(fields[12]) + int(fields[13])
            parent = tree.get(int(fields[2]))
            if parent is not None and self.address_space(parent) == self.address_space(fields):
                # The JVM starts shell commands (Hadoop's local file system) from its task threads: between
                # fork and exec the child shows the JVM's whole resident set, which is the JVM's memory.
                continue
            try:
                rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
            except (OSError, ValueError, IndexError):
                continue
            total += rss
            by_process[fields[0]] += rss
        if total > self.peak_bytes:
            self.peak_bytes, self.peak_by_process = total, dict(by_process)

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_ticks.values()) / self.CLOCK_TICKS

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self.sample()


def step_seconds(records, until: float) -> tuple[dict[str, float], list[str]]:
    """Seconds per step (STEP_START -> STEP_SUCCESS/FAILURE); a step still running at `until` counts up to
    then and is named in the second value."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = defaultdict(float)
    for record in records:
        event = record.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[event.step_key] += record.timestamp - started.pop(event.step_key)
    for step, at in started.items():
        seconds[step] += max(0.0, until - at)
    return dict(seconds), sorted(started)


def read_back_seconds(records) -> float | None:
    """On Spark and Postgres the dbt step ends by copying the marts into the control warehouse: the time from
    the step's last event from dbt to its "copied ... marts" log line (None on DuckDB, which copies nothing)."""
    in_step = [r for r in records if getattr(r, "step_key", None) == "dbt_models"]
    copied = next((r for r in in_step if r.dagster_event is None and (r.user_message or "").startswith("copied ")), None)
    if copied is None:
        return None
    before = [r.timestamp for r in in_step if r.dagster_event is not None and r.timestamp <= copied.timestamp]
    return copied.timestamp - max(before) if before else None


def stage_of(step: str) -> str:
    if step.startswith("raw_"):
        return "landing"
    if step == "dbt_models":
        return "dbt build"
    if step.startswith("published"):
        return "publication"
    return "checks"


def disk_use(home: Path) -> dict[str, int]:
    """Bytes on disk under each top-level entry of the home (the warehouse, the lake, Spark's tables)."""
    sizes = {}
    for entry in home.iterdir():
        files = [entry] if entry.is_file() else [f for f in entry.rglob("*") if f.is_file() and not f.is_symlink()]
        sizes[entry.name] = sum(f.stat().st_size for f in files if f.exists())
    return sizes


def load_average() -> str:
    return "/".join(f"{load:.2f}" for load in os.getloadavg())


def run_refresh(home: Path, env: dict[str, str]) -> dict:
    """Run `archipelago refresh` in a new process; its timings, stages and peak memory.

    A refresh that fails, or that is interrupted (Ctrl-C stops its whole process tree, dbt and Spark's
    JVM included), still gives the stages it reached, read from its Dagster event log; `failed` says how
    it ended."""
    import dagster as dg  # noqa: PLC0415

    log = home / "bench-refresh.log"
    load_at_start = load_average()
    started_at = time.time()
    failed = None
    with log.open("a") as out:
        # Its own session: an interrupt stops the refresh and every descendant, not only the refresh.
        process = subprocess.Popen([str(Path(sys.executable).parent / "archipelago"), "refresh"],
                                   cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        sampler = TreeMemorySampler(process.pid)
        sampler.start()
        try:
            # wait4: the CPU time of the refresh and of the processes it waited for (dbt). On a shared
            # machine CPU seconds move less with the load than wall seconds do.
            _, status, usage = os.wait4(process.pid, 0)
            code = process.returncode = os.waitstatus_to_exitcode(status)
        except KeyboardInterrupt:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            _, status, usage = os.wait4(process.pid, 0)
            code = process.returncode = os.waitstatus_to_exitcode(status)
            failed = "interrupted"
        sampler.stop_event.set()
        sampler.join()
    ended_at = time.time()
    if code != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-30:])
        failed = failed or f"exit {code}"
        print(f"archipelago refresh ended with {failed}; the end of its output:\n{tail}", file=sys.stderr, flush=True)
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    run = instance.get_runs(limit=1)[0]
    records = instance.all_logs(run.run_id)
    kinds = {r.dagster_event.event_type: r.timestamp for r in records if r.dagster_event is not None}
    run_start = kinds.get(dg.DagsterEventType.RUN_START, started_at)
    run_end = kinds.get(dg.DagsterEventType.RUN_SUCCESS) or kinds.get(dg.DagsterEventType.RUN_FAILURE) or ended_at
    steps, unfinished = step_seconds(records, until=run_end)
    stages: dict[str, list[float]] = defaultdict(list)
    for step, seconds in steps.items():
        stages[stage_of(step)].append(seconds)
    dbt_log = home / "logs" / "last_run.log"
    target = home / "dbt" / "target"  # pipelines.assets.dbt.dbt_target_path
    dbt_run = None
    with contextlib.suppress(OSError, ValueError, KeyError):
        dbt_run = json.loads((target / "run_results.json").read_text())["elapsed_time"]
    return {
        "total": ended_at - started_at,
        "start-up": run_start - started_at,
        "stages": stages,
        "between steps": (run_end - run_start) - sum(steps.values()),
        "wind-down": ended_at - run_end,
        "peak_mb": sampler.peak_bytes / 2**20,
        "cpu": usage.ru_utime + usage.ru_stime,
        "tree_cpu": sampler.cpu_seconds,
        "peak_by_process": sampler.peak_by_process,
        "reparsed": dbt_log.exists() and REPARSE_MARKER in dbt_log.read_text(),
        "steps": steps,
        "unfinished": unfinished,
        "dbt_run": dbt_run,
        "read_back": read_back_seconds(records),
        "failed": failed,
        "load": (load_at_start, load_average()),
        "disk": disk_use(home),
    }


def print_table(figures: dict, title: str) -> None:
    total = figures["total"]
    rows = [("start-up (imports, code location)", figures["start-up"])]
    for stage in ("landing", "dbt build", "checks", "publication"):
        times = figures["stages"].get(stage, [])
        rows.append((f"{stage} ({len(times)} step{'s' if len(times) != 1 else ''})", sum(times)))
    rows += [("Dagster between steps", figures["between steps"]), ("summary and exit", figures["wind-down"])]
    print(f"\n{title}")
    print(f"| {'stage':<36} | {'seconds':>8} | {'share':>6} |")
    print(f"|{'-' * 38}|{'-' * 9}:|{'-' * 7}:|")
    for name, seconds in rows:
        print(f"| {name:<36} | {seconds:8.1f} | {seconds / total:6.1%} |")
    landing = sorted(figures["stages"].get("landing", []))
    if landing:
        print(f"landing steps: median {landing[len(landing) // 2]:.2f} s, fastest {landing[0]:.2f} s, "
              f"slowest {landing[-1]:.2f} s")
    slowest = sorted(figures["steps"].items(), key=lambda kv: -kv[1])[:6]
    print("slowest steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in slowest))
    dbt_step, dbt_run = sum(figures["stages"].get("dbt build", [])), figures["dbt_run"]
    print("dbt: " + ("full re-parse (\"Unable to do partial parsing\")" if figures["reparsed"] else "partial parse reused")
          + (f"; running the nodes {dbt_run:.1f} s (run_results.json), start-up, parsing and event handling "
             f"{dbt_step - dbt_run:.1f} s" if dbt_run is not None else "")
          + (f"; of which the marts read back from the engine {figures['read_back']:.1f} s"
             if figures["read_back"] is not None else ""))
    print(f"CPU time of the refresh and dbt: {figures['cpu']:.1f} s; of every process of the refresh's tree "
          f"(sampled, a JVM included): {figures['tree_cpu']:.1f} s")
    held = sorted(figures["peak_by_process"].items(), key=lambda kv: -kv[1])
    print("at the peak: " + ", ".join(f"{name} {rss / 2**20:.0f} MB" for name, rss in held if rss >= 2**20))
    if figures["failed"]:
        print(f"NOT COMPLETE ({figures['failed']})" + (f"; still running then: {', '.join(figures['unfinished'])}"
                                                        if figures["unfinished"] else ""))
    disk = sorted(figures["disk"].items(), key=lambda kv: -kv[1])
    print("on disk: " + ", ".join(f"{name} {size / 2**20:,.0f} MB" for name, size in disk if size >= 2**20))
    print(f"load average (1/5/15 min) at start {figures['load'][0]}, at end {figures['load'][1]}")
    print(f"total {total:.1f} s, peak {figures['peak_mb']:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--incremental-days", type=float, default=0,
                        help="then measure the refresh after this many more simulated days")
    parser.add_argument("--repo", type=Path, help="run the refresh of the code in this directory")
    args = parser.parse_args()

    from benchmarks.harness import benchmark_home, controlled_sandbox  # noqa: PLC0415

    end = dt.date(2026, 10, 31)
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as tmp:
        home = benchmark_home(Path(tmp), today=end + dt.timedelta(days=1))
        with controlled_sandbox(seed=args.seed, employees=args.employees, months=args.months, end_date=end,
                                exports_dir=Path(tmp) / "exports") as sandbox:
            env = {key: value for key, value in os.environ.items() if key != "DAGSTER_HOME"}
            if args.repo:
                env["PYTHONPATH"] = str(args.repo.resolve())
            code = f" (code in {args.repo})" if args.repo else ""
            full = run_refresh(home, {**env, **sandbox.variables})
            engine = os.environ.get("ARCHIPELAGO_ENGINE") or "duckdb"
            label = f"{args.employees:,} employees x {args.months} months, seed {args.seed}, {engine}{code}"
            print_table(full, f"full refresh, {label}")
            if full["failed"]:
                raise SystemExit(1)
            if not args.incremental_days:
                return
            variables = sandbox.advance(args.incremental_days)
            today = end + dt.timedelta(days=1 + int(args.incremental_days))
            figures = run_refresh(home, {**env, **variables, "ARCHIPELAGO_TODAY": today.isoformat()})
            print_table(figures, f"refresh of {args.incremental_days:g} more day(s), {label}")
            if figures["failed"]:
                raise SystemExit(1)


if __name__ == "__main__":
    main()
