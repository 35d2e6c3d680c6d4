"""One run at a time per ARCHIPELAGO_HOME: an advisory lock on `$ARCHIPELAGO_HOME/run.lock`.

DuckDB lets one process write the warehouse; two refreshes at once would interleave and one of them
fail mid-dbt. The lock is an `flock` held for the whole run, so the kernel releases it when the
holder dies (even by `kill -9`): a stale lock cannot outlive its run. The file names the holder
(command, pid, start time) so the second run can say which run it is waiting for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = "run.lock"


class RunLocked(Exception):
    """Another run holds the lock of this ARCHIPELAGO_HOME."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another run"
    return f"`{info.get('command', '?')}` (pid {info.get('pid', '?')}, started {info.get('started', '?')} UTC)"


@contextlib.contextmanager
def run_lock(home: Path, command: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the run lock of `home` for the block; raise `RunLocked` naming the holder when another run
    keeps it longer than `wait_seconds`."""
    path = home / LOCK_FILE
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLocked(
                        f"another run is using {home}: {_holder(path)}; wait for it to finish "
                        "(`archipelago status`) and try again."
                    ) from None
                time.sleep(0.5)
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"command": command, "pid": os.getpid(), "started": started}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def running(home: Path) -> str | None:
    """The run holding the lock of `home` (as in the `RunLocked` message), None when there is none."""
    path = home / LOCK_FILE
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
