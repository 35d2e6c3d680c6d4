"""Dagster's local SQLite storage without an fsync per event.

Dagster stores every event of a run (step starts, outputs, materialisations, one evaluation per
check: some 1,500 for a refresh) in SQLite, in WAL mode, committing several times per event. At
SQLite's default `synchronous=FULL` each commit waits for an fsync of the WAL, which a disk shared
with other work stretches to tens of milliseconds: measured, half the wall time of a refresh on a
loaded machine. In WAL mode `synchronous=NORMAL` syncs at checkpoints instead. A commit still
survives a crash of the process; an OS crash or power cut may lose the last events of the run
history, never corrupt it (sqlite.org/pragma.html#pragma_synchronous). The warehouse (DuckDB) and
the webhook inbox (plain sqlite3, fsync per event) are not affected.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

_installed = False


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
