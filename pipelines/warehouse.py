"""The working warehouse: where it lives, its schemas and its bookkeeping tables.

One DuckDB file, `$ARCHIPELAGO_HOME/warehouse.duckdb`. DuckDB allows one writer process at a time,
so every step opens a connection, does its work and closes it (dbt runs as a subprocess in between).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from connectors.errors import ConfigError

HOME_VARIABLE = "ARCHIPELAGO_HOME"
DEFAULT_HOME = ".archipelago"
WAREHOUSE_FILE = "warehouse.duckdb"

SCHEMAS = ("staging", "intermediate", "marts", "quarantine", "meta")

# DuckDB takes up to 80% of the machine's memory by default; above this limit it spills to
# `warehouse.duckdb.tmp/`. dbt's profile reads the same variable with the same default.
MEMORY_LIMIT_VARIABLE = "ARCHIPELAGO_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"
_MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B|bytes)", re.IGNORECASE)

# Bookkeeping tables. Cursors are written in the same transaction as the rows they cover.
META_DDL = (
    """
    create table if not exists meta.cursors (
        source varchar not null,
        extractor varchar not null,
        state json,
        updated_at timestamp not null,
        run_id varchar,
        primary key (source, extractor)
    )""",
    """
    create table if not exists meta.ingestion_runs (
        run_id varchar not null,
        source varchar not null,
        extractor varchar not null,
        started_at timestamp not null,
        finished_at timestamp,
        status varchar not null,       -- succeeded | failed | skipped
        batches bigint,
        rows_landed bigint,
        rows_quarantined bigint,
        message varchar
    )""",
    """
    create table if not exists meta.check_results (
        run_id varchar,
        checked_at timestamp not null,
        table_name varchar not null,
        expectation varchar not null,
        severity varchar not null,     -- blocking | warning
        success boolean not null,
        observed_value varchar,
        details json
    )""",
    """
    create table if not exists meta.publication (
        run_id varchar,
        published_at timestamp not null,
        status varchar not null,       -- published | blocked
        tables json,
        source_freshness json,
        check_summary json,
        message varchar
    )""",
    """
    create table if not exists meta.pseudonym_key (
        fingerprint varchar not null,  -- HMAC of a constant under ARCHIPELAGO_PSEUDONYM_KEY, never the key
        recorded_at timestamp not null
    )""",
    """
    create table if not exists meta.unknown_fields (
        source varchar not null,
        extractor varchar not null,
        field varchar not null,        -- a name only: values of unknown fields are never kept
        first_seen timestamp not null,
        last_seen timestamp not null,
        run_id varchar,
        primary key (source, extractor, field)
    )""",
    """
    create table if not exists quarantine.records (
        source varchar not null,
        stream varchar not null,
        record_id varchar,
        reason varchar not null,
        payload json,
        run_id varchar,
        quarantined_at timestamp not null
    )""",
)


def archipelago_home(env: dict[str, str] | None = None) -> Path:
    """The working directory of this installation, created on first use."""
    env = os.environ if env is None else env
    home = Path(env.get(HOME_VARIABLE) or DEFAULT_HOME).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def warehouse_path(home: Path) -> Path:
    return home / WAREHOUSE_FILE


def published_dir(home: Path) -> Path:
    return home / "published"


def initialise(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the fixed schemas and bookkeeping tables (idempotent)."""
    for schema in SCHEMAS:
        conn.execute(f"create schema if not exists {schema}")
    for ddl in META_DDL:
        conn.execute(ddl)


def memory_limit(env: Mapping[str, str] | None = None) -> str:
    """DuckDB's memory limit for the warehouse (ARCHIPELAGO_DUCKDB_MEMORY_LIMIT, e.g. 1GB or 512MB)."""
    env = os.environ if env is None else env
    value = (env.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT).strip()
    if not _MEMORY_SIZE.fullmatch(value):
        raise ConfigError(f"{MEMORY_LIMIT_VARIABLE}={value!r} is not a memory size: use a number and a unit, "
                          f"e.g. 1GB or 512MB.")
    return value


def limit_memory(conn: duckdb.DuckDBPyConnection) -> None:
    """Apply the memory limit to the database instance `conn` belongs to (a setting of the instance,
    not of the connection: a connection opened with other settings would be refused)."""
    conn.execute(f"set memory_limit = '{memory_limit()}'")


@contextlib.contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (initialised when writable) and always close it again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    try:
        limit_memory(conn)
        if not read_only:
            initialise(conn)
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction on `conn`: committed when the block ends, rolled back when it raises."""
    conn.begin()
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


class KeyMismatchError(ConfigError):
    """The pseudonym key differs from the one the warehouse was built with."""


def check_key(conn: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Record the key's fingerprint on first use; afterwards refuse any other key: a changed key would
    give every person a second person_key and split every join between sources."""
    row = conn.execute("select fingerprint from meta.pseudonym_key order by recorded_at limit 1").fetchone()
    if row is None:
        conn.execute("insert into meta.pseudonym_key values (?, now()::timestamp)", [fingerprint])
    elif row[0] != fingerprint:
        raise KeyMismatchError(key_mismatch_message(fingerprint, row[0]))


def key_mismatch_message(fingerprint: str, stored: str) -> str:
    return (
        f"ARCHIPELAGO_PSEUDONYM_KEY is not the key this warehouse was built with (fingerprint {fingerprint}, "
        f"warehouse {stored}): nothing was landed. Restore the old key, or re-key on purpose with "
        "`archipelago rekey --yes` and then `archipelago refresh --full-refresh` (docs/operations.md)."
    )
