"""Write-audit-publish: the validated marts become one immutable publication, switched in by one rename.

Layout under `$ARCHIPELAGO_HOME/published/`:

    versions/<published-at>-<run>/marts.duckdb   the marts as DuckDB tables (+ meta.publication)
    versions/<published-at>-<run>/parquet/       the same tables as Parquet, one file each
    versions/<published-at>-<run>/...            any artefact an `ArtefactBuilder` adds (report, dictionary)
    current -> versions/<published-at>-<run>     the publication readers see
    marts.duckdb -> current/marts.duckdb         stable paths for BI tools, made once
    parquet -> current/parquet
    <artefact> -> current/<artefact>

A publication is written whole into a hidden staging directory, fsynced, renamed into `versions/`,
and only then made current by replacing the `current` symlink (one atomic rename). So the DuckDB
file, its Parquet copies and every artefact switch together: a crash at any point leaves the old
publication or the new one, never a mix. A version is never written again once named.

Why versions and not one file replaced in place: DuckDB keeps one database instance per file and
process, so a process holding a connection to a replaced file would keep reading the old inode even
through new connections. DuckDB resolves symlinks before it looks for an open instance, so a new
connection to `published/marts.duckdb` opens the newest version's own file, even in a process that
still holds a connection to an older one; that held connection keeps its consistent old view until
it is closed. Old versions are kept (`KEEP_VERSIONS`) so a long query on one never loses its files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.report.dictionary import comment_publication

PUBLISHED_FILE = "marts.duckdb"
PARQUET_DIR = "parquet"
VERSIONS_DIR = "versions"
CURRENT_LINK = "current"
KEEP_VERSIONS = 3  # the current one and the two before it

# Builds extra files of a publication from its validated marts: called with the staging directory of
# the version (write files there, top level) and a read-only connection to the version's marts.duckdb;
# returns the names of the top-level entries it wrote. They switch in with the marts, as one unit.
ArtefactBuilder = Callable[[Path, duckdb.DuckDBPyConnection], Iterable[str]]


@dataclass
class Publication:
    path: Path  # the stable path, published/marts.duckdb
    version_dir: Path
    run_id: str
    published_at: dt.datetime
    row_counts: dict[str, int]
    parquet_files: list[Path]  # stable paths, published/parquet/<table>.parquet
    artefacts: list[Path]  # stable paths, published/<name>


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            _fsync(path)
    for path in [p for p in root.rglob("*") if p.is_dir()] + [root]:
        _fsync(path)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _version_name(published_at: dt.datetime, run_id: str) -> str:
    safe = "".join(c for c in run_id if c.isalnum() or c in "-_")[:36] or "run"
    return f"{published_at:%Y%m%dT%H%M%S%fZ}-{safe}"


def _write_marts(conn, stage: Path, tables: dict[str, str], run_id: str, published_at: dt.datetime,
                 source_freshness: dict | None, check_summary: dict | None) -> dict[str, int]:
    row_counts: dict[str, int] = {}
    conn.execute(f"attach {_sql_string(str(stage / PUBLISHED_FILE))} as publication_tmp")
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
        comment_publication(conn, "publication_tmp")  # table and column comments from the dbt descriptions
        conn.execute("checkpoint publication_tmp")
    finally:
        conn.execute("detach publication_tmp")
    parquet = stage / PARQUET_DIR
    parquet.mkdir()
    for name, relation in tables.items():
        conn.execute(f"copy (select * from {relation}) to {_sql_string(str(parquet / f'{name}.parquet'))} (format parquet)")
    return row_counts


def _relative_symlink(target: str, link: Path) -> None:
    """Point `link` at `target` (relative to the link's directory) by an atomic rename."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if link.is_dir() and not link.is_symlink():
        # An installation from before versioned publications: its real directory steps aside.
        os.replace(link, link.with_name(f".{link.name}.legacy"))
    os.replace(tmp, link)


def _stable_links(published_dir: Path, names: Sequence[str]) -> None:
    """`published/<name> -> current/<name>`, once per name (the link itself never changes after)."""
    for name in names:
        link = published_dir / name
        wanted = f"{CURRENT_LINK}/{name}"
        if not (link.is_symlink() and os.readlink(link) == wanted):
            _relative_symlink(wanted, link)


def current_version(published_dir: Path) -> Path | None:
    link = published_dir / CURRENT_LINK
    return link.resolve() if link.is_symlink() else None


def _clean(published_dir: Path, keep: Path) -> None:
    """Remove what dead runs left (staging directories, pre-versioning temp files, legacy copies) and
    versions beyond the last `KEEP_VERSIONS`; never the current one."""
    versions = published_dir / VERSIONS_DIR
    leftovers = [*versions.glob(".*.tmp"), *published_dir.glob(".*.tmp"), *published_dir.glob(".*.legacy"),
                 *published_dir.glob(".*.link")]
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    done = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in done[:-KEEP_VERSIONS]:
        if old.resolve() != keep.resolve():
            shutil.rmtree(old, ignore_errors=True)


def publish(
    conn: duckdb.DuckDBPyConnection,
    published_dir: Path,
    tables: dict[str, str],
    run_id: str,
    *,
    check_summary: dict | None = None,
    source_freshness: dict | None = None,
    artefacts: Sequence[ArtefactBuilder] = (),
) -> Publication:
    """Publish `tables` (published name `schema.table` -> working relation) from the warehouse `conn`,
    with the files `artefacts` build from them, as one new current publication."""
    versions = published_dir / VERSIONS_DIR
    versions.mkdir(parents=True, exist_ok=True)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    name = _version_name(published_at, run_id)
    stage = versions / f".{name}.tmp"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        row_counts = _write_marts(conn, stage, tables, run_id, published_at, source_freshness, check_summary)
        extra: list[str] = []
        if artefacts:
            with duckdb.connect(str(stage / PUBLISHED_FILE), read_only=True) as marts:
                for build in artefacts:
                    extra += [n for n in build(stage, marts) if n not in extra]
        _fsync_tree(stage)
        final = versions / name
        os.replace(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _fsync(versions)
    # The one rename that switches readers; then the stable names through `current` (made once).
    _relative_symlink(f"{VERSIONS_DIR}/{name}", published_dir / CURRENT_LINK)
    _stable_links(published_dir, [PUBLISHED_FILE, PARQUET_DIR, *extra])
    _fsync(published_dir)
    with contextlib.suppress(OSError):
        _clean(published_dir, final)

    conn.execute(
        "insert into meta.publication values (?, ?, 'published', ?, ?, ?, null)",
        [run_id, published_at, json.dumps(row_counts), json.dumps(source_freshness or {}, default=str),
         json.dumps(check_summary or {}, default=str)],
    )
    parquet = published_dir / PARQUET_DIR
    return Publication(published_dir / PUBLISHED_FILE, final, run_id, published_at, row_counts,
                       [parquet / f"{t}.parquet" for t in tables], [published_dir / n for n in extra])
