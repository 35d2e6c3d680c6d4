"""Landing: write an extractor's batches into `raw_<source>` tables, loss-free and idempotent.

Each batch, or a group of consecutive batches (pipelines.coalesce), is one transaction: its rows are
merged by primary key (the latest version wins), its rejects go to `quarantine.records`, and the
extractor's cursor in `meta.cursors` moves to the state the batch covers. A run killed between
transactions resumes from the last committed cursor; a rerun over rows already landed changes nothing. Rows travel as Arrow tables: DuckDB ingests those in bulk.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from connectors.base import Batch, Extractor, Reject, StreamSpec
from pipelines.coalesce import MAX_ROWS, Group, coalesce
from pipelines.read_ahead import read_ahead
from pipelines.warehouse import check_key, transaction

LINEAGE_COLUMNS = (("_extra", "JSON"), ("_run_id", "VARCHAR"), ("_loaded_at", "TIMESTAMP"))

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


@dataclass
class LandingReport:
    source: str
    extractor: str
    batches: int = 0
    rows: int = 0
    rejects: int = 0
    rows_by_table: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    unknown_fields: list[str] = field(default_factory=list)  # dropped, by name
    seconds: float = 0.0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_tables(conn: duckdb.DuckDBPyConnection, specs: Iterable[StreamSpec]) -> None:
    """Create each raw table, and add columns a newer connector version declares.

    One catalog query answers for every table; DDL runs only for what is missing (a step with nothing
    new pays milliseconds here, not a round of `create ... if not exists` and a query per table).
    """
    specs = list(specs)
    existing: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in conn.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and list_contains(?, schema_name || '.' || table_name)",
        [[f"{spec.schema}.{spec.name}" for spec in specs]],
    ).fetchall():
        existing.setdefault((schema, table), set()).add(column)
    for spec in specs:
        columns = [(c.name, c.type) for c in spec.columns] + list(LINEAGE_COLUMNS)
        present = existing.get((spec.schema, spec.name))
        if present is None:
            ddl = ", ".join(f"{_quote(n)} {t}" for n, t in columns)
            conn.execute(f"create schema if not exists {spec.schema}")
            conn.execute(f"create table if not exists {spec.table} ({ddl})")
            continue
        for name, type_ in columns:
            if name not in present:
                conn.execute(f"alter table {spec.table} add column {_quote(name)} {type_}")


_JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _json_or_none(value: Any) -> str | None:
    """Compact JSON with sorted keys; dates and other odd values as their str() (as json.dumps(default=str))."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the slow path takes anything
        return json.dumps(value, default=str, separators=(",", ":"), sort_keys=True)


def _to_arrow(spec: StreamSpec, rows: list[dict[str, Any]], run_id: str, loaded_at: dt.datetime) -> pa.Table:
    arrays = []
    names = []
    for column in spec.columns:
        values = [row.get(column.name) for row in rows]
        if column.type == "JSON":
            values = [_json_or_none(v) for v in values]
        arrays.append(pa.array(values, type=_ARROW_TYPES[column.type]))
        names.append(column.name)
    arrays.append(pa.array([_json_or_none(row.get("_extra") or None) for row in rows], type=pa.string()))
    arrays.append(pa.array([run_id] * len(rows), type=pa.string()))
    arrays.append(pa.array([loaded_at] * len(rows), type=pa.timestamp("us")))
    names += [n for n, _ in LINEAGE_COLUMNS]
    return pa.Table.from_arrays(arrays, names=names)


def _merge(conn: duckdb.DuckDBPyConnection, spec: StreamSpec, incoming: pa.Table) -> None:
    """Merge `incoming` into the spec's table by primary key; the latest `updated_column` wins.

    The costly parts run only when needed: the batch is deduplicated only when it repeats a key, and
    rows whose keys are all new (a first load, an append-only stream) are inserted without the
    delete and the anti-join, each of which scans the whole table.
    """
    conn.register("_landing_incoming", incoming)
    try:
        keys = ", ".join(_quote(k) for k in spec.primary_key)
        on = " and ".join(f"t.{_quote(k)} = i.{_quote(k)}" for k in spec.primary_key)
        rows = "_landing_incoming"
        total, distinct = conn.execute(f"select count(*), count(distinct ({keys})) from _landing_incoming").fetchone()
        if distinct < total:
            # Within one batch the same record may appear twice (a source repeating it across pages).
            order = f"{_quote(spec.updated_column)} desc nulls last" if spec.updated_column else "1"
            conn.execute(
                "create or replace temp table _landing_dedup as select * from _landing_incoming "
                f"qualify row_number() over (partition by {keys} order by {order}) = 1"
            )
            rows = "_landing_dedup"
        columns = ", ".join(_quote(n) for n in incoming.column_names)
        stored = conn.execute(f"select count(*) from {spec.table} t join {rows} i on {on}").fetchone()[0]
        if not stored:
            conn.execute(f"insert into {spec.table} ({columns}) select {columns} from {rows}")
            return
        newer = ""
        if spec.updated_column:
            u = _quote(spec.updated_column)
            newer = f" and (t.{u} is null or i.{u} is null or i.{u} >= t.{u})"
        conn.execute(f"delete from {spec.table} t using {rows} i where {on}{newer}")
        conn.execute(
            f"insert into {spec.table} ({columns}) select {columns} from {rows} i "
            f"where not exists (select 1 from {spec.table} t where {on})"
        )
    finally:
        conn.unregister("_landing_incoming")
        conn.execute("drop table if exists _landing_dedup")


def _quarantine(conn, source: str, rejects: list[Reject], run_id: str, at: dt.datetime) -> None:
    if not rejects:
        return
    table = pa.table(
        {
            "source": [source] * len(rejects),
            "stream": [r.stream for r in rejects],
            "record_id": [None if r.record_id is None else str(r.record_id) for r in rejects],
            "reason": [r.reason for r in rejects],
            "payload": [_json_or_none(r.payload) for r in rejects],
            "run_id": [run_id] * len(rejects),
            "quarantined_at": pa.array([at] * len(rejects), type=pa.timestamp("us")),
        }
    )
    conn.register("_landing_rejects", table)
    try:
        conn.execute("insert into quarantine.records by name select * from _landing_rejects")
    finally:
        conn.unregister("_landing_rejects")


def read_cursor(conn: duckdb.DuckDBPyConnection, source: str, extractor: str) -> dict[str, Any] | None:
    row = conn.execute(
        "select state from meta.cursors where source = ? and extractor = ?", [source, extractor]
    ).fetchone()
    return json.loads(row[0]) if row and row[0] is not None else None


def _write_cursor(conn, source: str, extractor: str, state: dict[str, Any], run_id: str, at: dt.datetime) -> None:
    conn.execute(
        "insert or replace into meta.cursors (source, extractor, state, updated_at, run_id) values (?, ?, ?, ?, ?)",
        [source, extractor, json.dumps(state, default=str, sort_keys=True), at, run_id],
    )


def _note_unknown_fields(conn, extractor: Extractor, names: list[str], run_id: str, at: dt.datetime) -> None:
    for name in sorted(set(names)):
        conn.execute(
            "insert into meta.unknown_fields values (?, ?, ?, ?, ?, ?) on conflict (source, extractor, field) "
            "do update set last_seen = excluded.last_seen, run_id = excluded.run_id",
            [extractor.source, extractor.name, name, at, at, run_id],
        )


def batch_specs(extractor: Extractor, batch: Batch) -> dict[str, StreamSpec]:
    """The extractor's specs by table name; ValueError when the batch has rows for a table it did not declare."""
    specs = {spec.name: spec for spec in extractor.specs}
    unknown = set(batch.rows) - set(specs)
    if unknown:
        raise ValueError(f"{extractor.source}/{extractor.name} yielded rows for undeclared tables {sorted(unknown)}")
    return specs


def record_bookkeeping(conn: duckdb.DuckDBPyConnection, extractor: Extractor, batch: Batch, run_id: str,
                       at: dt.datetime) -> None:
    """A batch's rejects, unknown field names and cursor, in the caller's transaction."""
    _quarantine(conn, extractor.source, batch.rejects, run_id, at)
    _note_unknown_fields(conn, extractor, batch.unknown_fields, run_id, at)
    if batch.state is not None:
        _write_cursor(conn, extractor.source, extractor.name, batch.state, run_id, at)


def land_batch(conn: duckdb.DuckDBPyConnection, extractor: Extractor, batch: Batch, run_id: str) -> None:
    """Write one batch atomically: rows, rejects and cursor commit together or not at all."""
    specs = batch_specs(extractor, batch)
    at = _utcnow()
    with transaction(conn):
        for name, rows in batch.rows.items():
            if rows:
                _merge(conn, specs[name], _to_arrow(specs[name], rows, run_id, at))
        record_bookkeeping(conn, extractor, batch, run_id, at)


class DuckDBTarget:
    """The DuckDB warehouse as a landing target (pipelines.engines.base.RawTarget): the functions above."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def ensure_tables(self, specs: Iterable[StreamSpec]) -> None:
        ensure_tables(self.conn, specs)

    def check_key(self, fingerprint: str) -> None:
        check_key(self.conn, fingerprint)

    def read_cursor(self, source: str, extractor: str) -> dict[str, Any] | None:
        return read_cursor(self.conn, source, extractor)

    def land_batch(self, extractor: Extractor, batch: Batch, run_id: str) -> None:
        land_batch(self.conn, extractor, batch, run_id)

    def row_count(self, spec: StreamSpec) -> int:
        return self.conn.execute(f"select count(*) from {spec.table}").fetchone()[0]

    def read_table(self, schema: str, name: str) -> pa.Table | None:
        exists = self.conn.execute(
            "select count(*) from information_schema.tables where table_catalog = current_database() "
            "and table_schema = ? and table_name = ?", [schema, name]).fetchone()[0]
        return self.conn.execute(f"select * from {schema}.{_quote(name)}").arrow().read_all() if exists else None

    def replace_tables(self, schema: str, tables: dict[str, pa.Table]) -> None:
        self.conn.execute(f"create schema if not exists {schema}")
        with transaction(self.conn):
            for name, table in tables.items():
                self.conn.register("_landing_replace", table)
                self.conn.execute(f"create or replace table {schema}.{_quote(name)} as select * from _landing_replace")
                self.conn.unregister("_landing_replace")


def _land_group(target, extractor: Extractor, group: Group, run_id: str) -> None:
    """One transaction for the group; when it fails to write, its batches one by one, so that every
    batch before the one at fault still commits with its cursor (as landing batch by batch did)."""
    if len(group.batches) == 1:
        target.land_batch(extractor, group.batches[0], run_id)
        return
    try:
        target.land_batch(extractor, group.batch(), run_id)
    except Exception:
        for batch in group.batches:  # raises at the batch at fault, after the ones before it committed
            target.land_batch(extractor, batch, run_id)


def _count(report: LandingReport, batch: Batch) -> None:
    report.batches += 1
    report.rows += batch.row_count
    report.rejects += len(batch.rejects)
    for name, rows in batch.rows.items():
        report.rows_by_table[name] = report.rows_by_table.get(name, 0) + len(rows)
    report.unknown_fields += [n for n in batch.unknown_fields if n not in report.unknown_fields]
    for reject in batch.rejects:
        report.reject_reasons[reject.reason] = report.reject_reasons.get(reject.reason, 0) + 1


def land_extractor(target, extractor: Extractor, run_id: str, *, progress=None,
                   read_ahead_batches: int = 2, max_group_rows: int = MAX_ROWS) -> LandingReport:
    """Run `extractor` from its committed cursor and land every batch it yields into `target`: a
    `RawTarget` of the run's engine (pipelines.engines), or a DuckDB connection to the warehouse.

    The next `read_ahead_batches` batches are fetched while one is written (0: fetch inline).
    Consecutive batches land as one transaction where they can, up to `max_group_rows` rows
    (pipelines.coalesce; 1: every batch alone).
    `progress`, if given, is called with the running report after each transaction.
    """
    if isinstance(target, duckdb.DuckDBPyConnection):
        target = DuckDBTarget(target)
    target.ensure_tables(extractor.specs)
    report = LandingReport(extractor.source, extractor.name)
    started = time.perf_counter()
    state = target.read_cursor(extractor.source, extractor.name)
    batches = read_ahead(extractor.batches(state), read_ahead_batches, name=f"{extractor.source}-{extractor.name}")
    for group in coalesce(batches, extractor.specs, max_rows=max_group_rows):
        _land_group(target, extractor, group, run_id)
        for batch in group.batches:
            _count(report, batch)
        if progress is not None:
            progress(report)
    report.seconds = time.perf_counter() - started
    return report
