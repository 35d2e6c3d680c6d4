"""A real, throw-away Postgres server for tests: initdb in a temporary directory, a free port, stopped after.

Uses the distribution's server binaries (Debian: `apt-get install -y postgresql`, which `.ci/run` does when
they are missing). initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y postgresql"
SUPERUSER = "archipelago"


def _binaries() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def running_postgres(database: str = "archipelago") -> Iterator[str]:
    """Start a Postgres server and yield a `postgresql://` URL of a fresh database on it."""
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.fail(f"no Postgres server binaries (initdb, pg_ctl) on this machine: install them with `{INSTALL_HINT}`")
    root = Path(tempfile.mkdtemp(prefix="archipelago-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    run = lambda *args: subprocess.run(_as_server_user([str(bin_dir / args[0]), *args[1:]]),  # noqa: E731
                                       check=True, capture_output=True, text=True, cwd=root)
    started = False
    try:
        run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start")
        started = True
        _create_database(port, database)
        yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}"
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"could not start Postgres from {bin_dir}: {(exc.stderr or exc.stdout).strip()[-500:]}")
    finally:
        if started:
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           capture_output=True, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


def _create_database(port: int, database: str) -> None:
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres")
    conn.autocommit = True
    conn.cursor().execute(f"create database {database}")
    conn.close()
