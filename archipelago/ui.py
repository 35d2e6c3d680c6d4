"""`archipelago ui`: `dagster dev` on this installation's instance, stopped cleanly with its children.

`dagster dev` shuts its webserver, daemon and code server down on an interrupt (SIGINT), but not on
SIGTERM, which is what a service manager or `kill` sends. So it runs as a child in its own process
group: SIGTERM or SIGINT here becomes one SIGINT there, and whatever is left of the group after a grace
period is killed, as is any process it started that is still running, so no `dagster api grpc`
outlives the UI.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 30


def venv_bin() -> Path:
    """The directory of this interpreter: `dagster` and `dbt` of the same environment live there."""
    return Path(sys.executable).parent


def ui_environment() -> dict[str, str]:
    """The environment the UI's processes inherit: the venv's tools first on PATH, activated or not."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(venv_bin()), env.get("PATH", "")])
    return env


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (empty where there is none): a code server may have left
    the process group, it is still the UI's child."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _end(pids: set[int]) -> None:
    """SIGTERM what is left, SIGKILL what is still there after a few seconds."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        left = {pid for pid in pids if alive(pid)}
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = {pid for pid in left if alive(pid)}


def run_dagster_dev(workspace: Path, host: str, port: int) -> int:
    command = [str(venv_bin() / "dagster"), "dev", "-w", str(workspace), "-h", host, "-p", str(port)]
    child = subprocess.Popen(command, env=ui_environment(), start_new_session=True)
    stop_requested: list[float] = []

    def stop(signum, frame) -> None:
        if not stop_requested:
            stop_requested.append(time.monotonic())
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGINT)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    family: set[int] = set()
    try:
        while child.poll() is None:
            family |= descendants(child.pid)  # known before they are orphaned
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=1.0)
            if stop_requested and time.monotonic() - stop_requested[0] > GRACE_SECONDS:
                _kill_group(child.pid, signal.SIGKILL)
    finally:
        # Anything left behind (a code server whose parent ended first) goes too.
        _kill_group(child.pid, signal.SIGTERM)
        _end(family)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stop_requested else child.returncode
