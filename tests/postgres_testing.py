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
from urllib.parse import urlsplit

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
        yield create_database(f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres", database)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"could not start Postgres from {bin_dir}: {(exc.stderr or exc.stdout).strip()[-500:]}")
    finally:
        if started:
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           capture_output=True, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


def create_database(url: str, database: str) -> str:
    """Create `database` on the server of `url`; its URL."""
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(url)
    try:
        conn.autocommit = True
        conn.cursor().execute(f'create database "{database}"')
    finally:
        conn.close()
    return urlsplit(url)._replace(path=f"/{database}").geturl()


# DuckDB column type -> Postgres; nested values (lists, structs, maps) travel as JSON.
_SCALAR_TYPES = {
    "VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "smallint",
    "BOOLEAN": "boolean", "DATE": "date", "DOUBLE": "double precision", "FLOAT": "real", "TIME": "time",
    "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "JSON": "jsonb", "UUID": "uuid",
    "HUGEINT": "numeric", "UBIGINT": "numeric", "UINTEGER": "bigint", "INTERVAL": "interval", "BLOB": "bytea",
}


def _postgres_type(duckdb_type: str) -> tuple[str, bool]:
    """(Postgres type, travels as JSON)."""
    if duckdb_type in _SCALAR_TYPES:
        return _SCALAR_TYPES[duckdb_type], False
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric"), False
    return "jsonb", True


def copy_raw_schemas(warehouse: Path, url: str, work_dir: Path) -> dict[str, int]:
    """Copy every `raw_*` table of a DuckDB warehouse into Postgres (COPY from CSV); rows per table."""
    import duckdb  # noqa: PLC0415
    import psycopg2  # noqa: PLC0415

    copied = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg2.connect(url) as conn, conn.cursor() as cur:
        duck.execute("set TimeZone = 'UTC'")
        tables = duck.execute("select table_schema, table_name from information_schema.tables "
                              "where table_schema like 'raw\\_%' escape '\\' and table_type = 'BASE TABLE' "
                              "order by 1, 2").fetchall()
        for schema, table in tables:
            columns = duck.execute("select column_name, data_type from information_schema.columns "
                                   "where table_schema = ? and table_name = ? order by ordinal_position",
                                   [schema, table]).fetchall()
            typed = [(name, *_postgres_type(kind)) for name, kind in columns]
            cur.execute(f'create schema if not exists "{schema}"')
            cur.execute(f'drop table if exists "{schema}"."{table}"')
            cur.execute(f'create table "{schema}"."{table}" ('
                        + ", ".join(f'"{name}" {kind}' for name, kind, _ in typed) + ")")
            csv = work_dir / f"{schema}.{table}.csv"
            select = ", ".join(f'to_json("{name}")' if as_json else f'"{name}"' for name, _, as_json in typed)
            duck.execute(f"copy (select {select} from \"{schema}\".\"{table}\") to '{csv}' (format csv, header false)")
            with csv.open() as rows:
                cur.copy_expert(f'copy "{schema}"."{table}" from stdin with (format csv)', rows)
            copied[f"{schema}.{table}"] = cur.rowcount
            csv.unlink()
    return copied
