"""Dagster's local SQLite storage: no fsync per event, one SQLAlchemy engine and one open connection
per database file.

Dagster stores every event of a run (step starts, outputs, materialisations, one evaluation per
check: some 1,500 for a refresh) in SQLite, in WAL mode, committing several times per event. At
SQLite's default `synchronous=FULL` each commit waits for an fsync of the WAL, which a disk shared
with other work stretches to tens of milliseconds: measured, half the wall time of a refresh on a
loaded machine. In WAL mode `synchronous=NORMAL` syncs at checkpoints instead. A commit still
survives a crash of the process; an OS crash or power cut may lose the last events of the run
history, never corrupt it (sqlite.org/pragma.html#pragma_synchronous). The warehouse (DuckDB) and
the webhook inbox (plain sqlite3, fsync per event) are not affected.

Dagster's SQLite event log also builds a new SQLAlchemy engine for every connection it opens (about
five per event) and disposes of it, so each statement is compiled again: SQLAlchemy caches compiled
statements per engine. Measured, ~20 ms of CPU for each check evaluation (a refresh records ~350).
`reuse_event_log_engines` keeps one engine per database file, and its one connection open: Dagster
opened and closed a connection for every use (NullPool), and closing a WAL database's last
connection checkpoints it into the database file (an fsync) and deletes the WAL, which the next
commit creates again. Measured on a loaded machine, 400 events: 9-11 s of wall time and 0.9 s of CPU
before, 0.6 s and 0.14 s with the connection kept. Every use still runs under the storage's own lock,
one at a time, as before; other processes (the UI, the daemon) read and write the same files as
before (SQLite's locking, the same busy timeout).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

_installed = False
# Engines kept by the event log storage (the index shard, the running run's shard, recent runs').
MAX_ENGINES = 8


def _under_dagster_home(connection: sqlite3.Connection) -> bool:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return False
    files = [row[2] for row in connection.execute("PRAGMA database_list") if row[2]]
    root = Path(home).resolve()
    return any(Path(file).resolve().is_relative_to(root) for file in files)


def _relax(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection) and _under_dagster_home(dbapi_connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def relax_dagster_sqlite_fsync() -> None:
    """Every SQLite connection this process opens through SQLAlchemy on a file under DAGSTER_HOME
    (Dagster's runs, event logs, schedules) syncs at checkpoints, not at every commit. Idempotent."""
    global _installed
    if _installed:
        return
    from sqlalchemy import event  # noqa: PLC0415  (Dagster imports it anyway)
    from sqlalchemy.engine import Engine  # noqa: PLC0415

    event.listen(Engine, "connect", _relax)
    _installed = True


def _connect_with_one_engine_per_shard(self, shard: str):
    """SqliteEventLogStorage._connect (dagster 1.13), with the shard's engine kept, not rebuilt."""
    from dagster._core.storage.event_log.sqlite import sqlite_event_log as module  # noqa: PLC0415
    from sqlalchemy.pool import StaticPool  # noqa: PLC0415

    with self._db_lock:
        engines = self.__dict__.setdefault("_archipelago_engines", {})
        if self.__dict__.setdefault("_archipelago_pid", os.getpid()) != os.getpid():
            # A forked child must not use its parent's open SQLite connections: let them go unclosed.
            for inherited in engines.values():
                inherited.dispose(close=False)
            engines.clear()
            self.__dict__["_archipelago_pid"] = os.getpid()
        engine = engines.get(shard)
        if engine is None:
            # A long-lived process (the UI) reads many runs' shards: keep the most recent few.
            while len(engines) >= MAX_ENGINES:
                engines.pop(next(iter(engines))).dispose()
            # One connection kept open per shard (StaticPool), not one opened and closed per use:
            # closing a WAL database's last connection checkpoints it and deletes the WAL (an fsync
            # of the database), and the next commit creates the WAL again. Every use holds _db_lock,
            # so the one connection is never used by two threads at once.
            engine = engines[shard] = module.create_engine(
                self.conn_string_for_shard(shard), poolclass=StaticPool,
                connect_args={"timeout": module.SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        with engine.connect() as conn, conn.begin():
            yield conn


def reuse_event_log_engines() -> bool:
    """Keep one engine per shard in Dagster's SQLite event log storage. Only on the Dagster version
    whose `_connect` this mirrors; on any other it leaves Dagster alone. Idempotent; True if applied."""
    import dagster  # noqa: PLC0415
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage  # noqa: PLC0415

    if not dagster.__version__.startswith("1.13."):
        return False
    patched = contextlib.contextmanager(_connect_with_one_engine_per_shard)
    if getattr(SqliteEventLogStorage._connect, "__wrapped__", None) is not _connect_with_one_engine_per_shard:
        SqliteEventLogStorage._connect = patched
    return True
