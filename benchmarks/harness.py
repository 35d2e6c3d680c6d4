"""Shared parts of the connector benchmarks: a sandbox in its own process, request recording, replay.

The sandbox runs as a separate process (`python -m sandbox serve`), as a vendor API is remote: its
CPU time is not charged to the connector and the two do not share a GIL. The ceiling of a source is
the very same HTTP requests its connector sent, replayed one after another with a plain
`requests.Session` that reads the bodies and nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from sandbox.server.app import MOUNTS

REPO = Path(__file__).resolve().parents[1]
BENCHMARK_PSEUDONYM_KEY = "benchmark-key-0123456789abcdef"


def benchmark_home(root: Path, today: dt.date | None = None) -> Path:
    """An isolated Archipelago home under `root`, exported to this process's environment.

    `today` pins the freshness reference date (ARCHIPELAGO_TODAY) to the sandbox's history.
    """
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update({"ARCHIPELAGO_HOME": str(home), "ARCHIPELAGO_PSEUDONYM_KEY": BENCHMARK_PSEUDONYM_KEY,
                       "ARCHIPELAGO_WAREHOUSE_PATH": str(home / "warehouse.duckdb")})
    if today is not None:
        os.environ["ARCHIPELAGO_TODAY"] = today.isoformat()
    return home


@contextlib.contextmanager
def sandbox_process(*, seed: int, employees: int, months: int, end_date: str | None = None,
                    latency_ms: float = 0.0, startup_timeout: float = 900.0, vendor_limits: bool = False,
                    limits_time_scale: float = 1.0) -> Iterator[dict[str, str]]:
    """Serve the sandbox organisation from a child process on 127.0.0.1; yield its variables.

    `latency_ms` delays every response of every vendor by that much (the sandbox's `slow` fault, an
    asyncio sleep that holds no worker), as a vendor API across the internet would. `vendor_limits`
    makes the sandbox enforce the vendors' documented request limits (docs/rate_limits.md), their
    windows multiplied by `limits_time_scale`.
    """
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        env_file = Path(tmp) / "sandbox.env"
        command = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--seed", str(seed),
                   "--employees", str(employees), "--months", str(months), "--env-file", str(env_file),
                   "--exports-dir", str(Path(tmp) / "exports")]
        if end_date:
            command += ["--end-date", end_date]
        if vendor_limits:
            command += ["--vendor-limits", "--limits-time-scale", str(limits_time_scale)]
        for source in sorted({vendor for _, vendor, _ in MOUNTS}) if latency_ms > 0 else ():
            command += ["--fault", f"{source}:slow:every=1,delay={latency_ms / 1000:.4f}"]
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            while not env_file.exists() or not env_file.read_text().endswith("\n"):
                if child.poll() is not None:
                    raise RuntimeError(f"the sandbox exited with {child.returncode}: {child.stderr.read()}")
                if time.perf_counter() - started > startup_timeout:
                    raise TimeoutError(f"the sandbox did not start within {startup_timeout:.0f} s")
                time.sleep(0.2)
            variables = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
            print(f"sandbox: {employees} employees x {months} months, seed {seed}, ready in "
                  f"{time.perf_counter() - started:.0f} s (separate process, {latency_ms:g} ms added per response)",
                  file=sys.stderr, flush=True)
            yield variables
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


@contextlib.contextmanager
def recorded_requests() -> Iterator[list[requests.PreparedRequest]]:
    """Keep a copy of every request any `requests.Session` in this process sends, in order."""
    sent: list[requests.PreparedRequest] = []
    original = requests.Session.send

    def send(self, request, **kwargs):
        sent.append(request.copy())
        return original(self, request, **kwargs)

    requests.Session.send = send
    try:
        yield sent
    finally:
        requests.Session.send = original


def replay(sent: list[requests.PreparedRequest], workers: int = 1) -> tuple[float, int]:
    """Send `sent` again with plain sessions, reading every body; (seconds, bytes).

    `workers` > 1 replays that many requests at a time, for connectors that fetch concurrently
    (Zendesk audits): the ceiling then has the same concurrency as the connector.
    """
    local = threading.local()

    def send(request: requests.PreparedRequest) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return len(local.session.send(request, timeout=(5, 300)).content)

    started = time.perf_counter()
    if workers <= 1:
        size = sum(send(request) for request in sent)
    else:
        with ThreadPoolExecutor(workers) as pool:
            size = sum(pool.map(send, sent))
    return time.perf_counter() - started, size


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"


def _serve_controlled(connection, seed: int, employees: int, months: int, end_date: str, exports_dir: str) -> None:
    """Child process of `controlled_sandbox`: serve the organisation, then obey "advance" / "stop"."""
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    org = generate_organisation(seed=seed, employees=employees, months=months, end_date=dt.date.fromisoformat(end_date))
    with SandboxServer(org, port=0, exports_dir=Path(exports_dir)) as server:
        connection.send(server.env())
        while True:
            command, argument = connection.recv()
            if command == "stop":
                return
            server.advance(days=argument)
            connection.send(server.env())


class ControlledSandbox:
    """Handle on a sandbox served from a child process whose simulated clock the parent can move."""

    def __init__(self, process, connection, variables: dict[str, str]):
        self.process, self.connection, self.variables = process, connection, variables

    def advance(self, days: float) -> dict[str, str]:
        """Reveal `days` more simulated days (exports rewritten); the new variables."""
        self.connection.send(("advance", days))
        self.variables = self.connection.recv()
        return self.variables


@contextlib.contextmanager
def controlled_sandbox(*, seed: int, employees: int, months: int, end_date: dt.date,
                       exports_dir: Path) -> Iterator[ControlledSandbox]:
    """Like `sandbox_process` (its own process, so its CPU is not charged to the client), but the
    simulated clock can be moved forward, to measure an incremental refresh of one more day."""
    import multiprocessing  # noqa: PLC0415

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve_controlled, daemon=True,
                              args=(child, seed, employees, months, end_date.isoformat(), str(exports_dir)))
    started = time.perf_counter()
    process.start()
    try:
        variables = parent.recv()
        print(f"sandbox: {employees} employees x {months} months, seed {seed}, ready in "
              f"{time.perf_counter() - started:.0f} s (separate process)", file=sys.stderr, flush=True)
        yield ControlledSandbox(process, parent, variables)
    finally:
        with contextlib.suppress(OSError, BrokenPipeError):
            parent.send(("stop", 0))
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
