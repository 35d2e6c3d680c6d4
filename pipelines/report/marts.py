"""Read the published marts for the report: only the published file, never the working warehouse,
so the privacy floor and the quality gate that guard the publication guard the report too."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd


@dataclass
class PublishedMarts:
    """The published tables as data frames, loaded on first use; a missing table reads as None."""

    conn: duckdb.DuckDBPyConnection
    catalog: str  # the publication's database name in `conn`
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        if name not in self._cache:
            try:
                self._cache[name] = self.conn.execute(f'select * from "{self.catalog}".{name}').df()
            except duckdb.CatalogException:
                self._cache[name] = None
        return self._cache[name]

    def publication(self) -> dict:
        """The publication's own record: run, time, row counts, source freshness, check summary."""
        frame = self.table("meta.publication")
        if frame is None or frame.empty:
            return {}
        row = frame.iloc[0].to_dict()
        for key in ("tables", "source_freshness", "check_summary"):
            value = row.get(key)
            row[key] = json.loads(value) if isinstance(value, str) else (value or {})
        return row


@contextlib.contextmanager
def open_published(path: Path) -> Iterator[PublishedMarts]:
    """Attach the published file read-only to a private in-memory database.

    Attaching (rather than `duckdb.connect(path)`) reads the file as it is now: DuckDB keeps one
    instance per path per process, and a connection opened before an atomic swap would see the old file.
    """
    conn = duckdb.connect()
    try:
        conn.execute(f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as pub (read_only)")
        yield PublishedMarts(conn, "pub")
    finally:
        conn.close()


def marts_of(conn: duckdb.DuckDBPyConnection) -> PublishedMarts:
    """The publication `conn` is connected to (its default database)."""
    return PublishedMarts(conn, conn.execute("select current_database()").fetchone()[0])


def column(frame: pd.DataFrame, *candidates: str) -> str | None:
    """The first of `candidates` the frame has: marts rename columns as they evolve, the report copes."""
    return next((name for name in candidates if name in frame.columns), None)
