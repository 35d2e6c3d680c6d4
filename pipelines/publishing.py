"""Write-audit-publish: copy validated marts into `published/marts.duckdb`, atomically.

The new publication is written to a temporary file next to the old one, checkpointed, fsynced and
renamed over it. A BI tool holding the old file open keeps reading the old inode undisturbed; the
next open sees the new file whole. Parquet copies are swapped file by file the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_FILE = "marts.duckdb"


@dataclass
class Publication:
    path: Path
    run_id: str
    published_at: dt.datetime
    row_counts: dict[str, int]
    parquet_files: list[Path]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish(
    conn: duckdb.DuckDBPyConnection,
    published_dir: Path,
    tables: dict[str, str],
    run_id: str,
    *,
    check_summary: dict | None = None,
    source_freshness: dict | None = None,
) -> Publication:
    """Publish `tables` (published name `schema.table` -> working relation) from the warehouse `conn`."""
    published_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = published_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    target = published_dir / PUBLISHED_FILE
    tmp = published_dir / f".{PUBLISHED_FILE}.{run_id}.tmp"
    tmp.unlink(missing_ok=True)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row_counts: dict[str, int] = {}
    conn.execute(f"attach {_sql_string(str(tmp))} as publication_tmp")
    try:
        for name, relation in tables.items():
            schema, table = name.split(".")
            conn.execute(f"create schema if not exists publication_tmp.{schema}")
            conn.execute(f"create table publication_tmp.{schema}.{table} as select * from {relation}")
            row_counts[name] = conn.execute(f"select count(*) from publication_tmp.{schema}.{table}").fetchone()[0]
        conn.execute("create schema if not exists publication_tmp.meta")
        conn.execute(
            "create table publication_tmp.meta.publication (run_id varchar, published_at timestamp, "
            "tables json, source_freshness json, check_summary json)"
        )
        conn.execute(
            "insert into publication_tmp.meta.publication values (?, ?, ?, ?, ?)",
            [run_id, published_at, json.dumps(row_counts), json.dumps(source_freshness or {}, default=str),
             json.dumps(check_summary or {}, default=str)],
        )
        conn.execute("checkpoint publication_tmp")
    finally:
        conn.execute("detach publication_tmp")

    # Parquet copies first, into temporary names; swapped in after the DuckDB file.
    staged: list[tuple[Path, Path]] = []
    for name, relation in tables.items():
        final = parquet_dir / f"{name}.parquet"
        staging = parquet_dir / f".{name}.{run_id}.tmp"
        conn.execute(f"copy (select * from {relation}) to {_sql_string(str(staging))} (format parquet)")
        staged.append((staging, final))

    _fsync(tmp)
    os.replace(tmp, target)
    for staging, final in staged:
        _fsync(staging)
        os.replace(staging, final)
    _fsync(published_dir)
    _fsync(parquet_dir)

    conn.execute(
        "insert into meta.publication values (?, ?, 'published', ?, ?, ?, null)",
        [run_id, published_at, json.dumps(row_counts), json.dumps(source_freshness or {}, default=str),
         json.dumps(check_summary or {}, default=str)],
    )
    return Publication(target, run_id, published_at, row_counts, [final for _, final in staged])
