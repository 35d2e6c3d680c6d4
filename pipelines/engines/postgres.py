"""Postgres: raw tables loaded with COPY and merged by key, dbt's `postgres` target, marts read back as Arrow.

One setting, ARCHIPELAGO_POSTGRES_URL (`postgresql://user:password@host:5432/database`). The raw schemas,
dbt's schemas (`staging`, `intermediate`, `marts`, seeds in `main`) and the landing ledger
(`meta.cursors`, `meta.unknown_fields`, `quarantine.records`) live in that database.

A batch lands in one Postgres transaction: each table's rows are COPYed (CSV, written by Arrow) into a
temporary table, deduplicated by key (the newest `updated_column` wins), merged into the raw table by
the same rule as on DuckDB, and the batch's rejects, unknown field names and cursor are written before
the commit. Only then is the same bookkeeping copied into the control warehouse (docs/engines.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import unquote, urlsplit

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv

from connectors.base import Batch, Extractor, StreamSpec
from pipelines.engines.base import (
    Engine,
    RawTarget,
    columns_the_checks_read,
    relations_the_checks_read,
    replace_in_control,
)
from pipelines.landing import (
    LINEAGE_COLUMNS,
    _json_or_none,
    _quote,
    _to_arrow,
    _utcnow,
    batch_specs,
    record_bookkeeping,
)
from pipelines.warehouse import KeyMismatchError, check_key, transaction

URL_VARIABLE = "ARCHIPELAGO_POSTGRES_URL"
DBT_TARGET = "postgres"
CONNECT_SECONDS = 5

# Landing column types (connectors.base.Column) -> Postgres.
_COLUMN_TYPES = {
    "VARCHAR": "text", "JSON": "jsonb", "BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double precision",
    "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp",
}

LEDGER_DDL = (
    "create schema if not exists meta",
    "create schema if not exists quarantine",
    """create table if not exists meta.cursors (
        source text not null, extractor text not null, state text, updated_at timestamp not null, run_id text,
        primary key (source, extractor))""",
    """create table if not exists meta.unknown_fields (
        source text not null, extractor text not null, field text not null, first_seen timestamp not null,
        last_seen timestamp not null, run_id text, primary key (source, extractor, field))""",
    """create table if not exists meta.pseudonym_key (fingerprint text not null, recorded_at timestamp not null)""",
    """create table if not exists quarantine.records (
        source text not null, stream text not null, record_id text, reason text not null, payload text,
        run_id text, quarantined_at timestamp not null)""",
)


def _arrow_to_postgres(kind: pa.DataType) -> str:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_int64(kind):
        return "bigint"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "double precision"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_timestamp(kind):
        return "timestamptz" if kind.tz else "timestamp"
    raise TypeError(f"no Postgres column type for Arrow {kind}")


# Postgres (information_schema data_type, udt_name) -> Arrow, and the select expression that reads it.
_SCALARS = {
    "text": pa.string(), "character varying": pa.string(), "character": pa.string(), "uuid": pa.string(),
    "json": pa.string(), "jsonb": pa.string(), "bigint": pa.int64(), "integer": pa.int32(), "smallint": pa.int16(),
    "double precision": pa.float64(), "real": pa.float32(), "numeric": pa.float64(), "boolean": pa.bool_(),
    "date": pa.date32(), "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
}
_ELEMENTS = {"_text": pa.string(), "_varchar": pa.string(), "_int8": pa.int64(), "_int4": pa.int32(),
             "_float8": pa.float64(), "_numeric": pa.float64(), "_date": pa.date32(), "_bool": pa.bool_()}


def _read_expression(name: str, data_type: str, udt: str) -> tuple[str, pa.DataType]:
    quoted = _quote(name)
    if data_type == "ARRAY":
        if udt not in _ELEMENTS:
            raise TypeError(f"column {name}: no Arrow type for Postgres array {udt}")
        cast = "::float8[]" if udt == "_numeric" else ""
        return f"{quoted}{cast}", pa.list_(_ELEMENTS[udt])
    if data_type not in _SCALARS:
        raise TypeError(f"column {name}: no Arrow type for Postgres {data_type}")
    cast = {"json": "::text", "jsonb": "::text", "numeric": "::float8", "uuid": "::text"}.get(data_type, "")
    return f"{quoted}{cast}", _SCALARS[data_type]


def read_arrow(cur, schema: str, table: str, only=None) -> pa.Table | None:
    """A Postgres table (or view) as Arrow, its columns in order; None when it does not exist.
    `only`, if given, picks the columns to read from the list of names."""
    cur.execute("select column_name, data_type, udt_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position", (schema, table))
    columns = cur.fetchall()
    if not columns:
        return None
    if only is not None:
        keep = set(only([name for name, _, _ in columns]))
        columns = [c for c in columns if c[0] in keep]
    reads = [_read_expression(name, kind, udt) for name, kind, udt in columns]
    cur.execute(f"select {', '.join(e for e, _ in reads)} from {_quote(schema)}.{_quote(table)}")
    rows = cur.fetchall()
    arrays = []
    for index, (_, kind) in enumerate(reads):
        values = [row[index] for row in rows]
        if pa.types.is_timestamp(kind) and kind.tz:
            values = [None if v is None else v.astimezone(dt.UTC) for v in values]
        arrays.append(pa.array(values, type=kind))
    return pa.Table.from_arrays(arrays, names=[name for name, _, _ in columns])


def _csv(table: pa.Table) -> io.BytesIO:
    """Arrow as CSV that Postgres' COPY reads: nulls unquoted and empty, empty strings quoted."""
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    buffer.seek(0)
    return buffer


class PostgresTarget:
    """Raw tables in Postgres (a pipelines.engines.base.RawTarget); one connection, one transaction a batch."""

    def __init__(self, conn, control: duckdb.DuckDBPyConnection):
        self.conn, self.control = conn, control
        with conn.cursor() as cur:
            for ddl in LEDGER_DDL:
                cur.execute(ddl)
        conn.commit()

    def ensure_tables(self, specs: Iterable[StreamSpec]) -> None:
        specs = list(specs)
        with self.conn.cursor() as cur:
            cur.execute("select table_schema, table_name, column_name from information_schema.columns "
                        "where table_schema || '.' || table_name = any(%s)", ([spec.table for spec in specs],))
            existing: dict[tuple[str, str], set[str]] = {}
            for schema, table, column in cur.fetchall():
                existing.setdefault((schema, table), set()).add(column)
            for spec in specs:
                columns = [(c.name, c.type) for c in spec.columns] + list(LINEAGE_COLUMNS)
                present = existing.get((spec.schema, spec.name))
                if present is None:
                    ddl = ", ".join(f"{_quote(n)} {_COLUMN_TYPES[t]}" for n, t in columns)
                    cur.execute(f"create schema if not exists {spec.schema}")
                    cur.execute(f"create table if not exists {spec.table} ({ddl})")
                    continue
                for name, type_ in columns:
                    if name not in present:
                        cur.execute(f"alter table {spec.table} add column {_quote(name)} {_COLUMN_TYPES[type_]}")
        self.conn.commit()

    def check_key(self, fingerprint: str) -> None:
        check_key(self.control, fingerprint)
        with self.conn.cursor() as cur:
            cur.execute("select fingerprint from meta.pseudonym_key order by recorded_at limit 1")
            row = cur.fetchone()
            if row is None:
                cur.execute("insert into meta.pseudonym_key values (%s, %s)", (fingerprint, _utcnow()))
        self.conn.commit()
        if row is not None and row[0] != fingerprint:
            raise KeyMismatchError(
                f"ARCHIPELAGO_PSEUDONYM_KEY is not the key the Postgres database's raw tables were landed with "
                f"(fingerprint {fingerprint}, database {row[0]}): nothing was landed. Restore the old key, or point "
                f"{URL_VARIABLE} at a new, empty database (docs/engines.md).")

    def read_cursor(self, source: str, extractor: str) -> dict | None:
        with self.conn.cursor() as cur:
            cur.execute("select state from meta.cursors where source = %s and extractor = %s", (source, extractor))
            row = cur.fetchone()
        self.conn.commit()
        return json.loads(row[0]) if row and row[0] is not None else None

    def _merge(self, cur, spec: StreamSpec, incoming: pa.Table) -> None:
        """As pipelines.landing._merge: by primary key, the latest `updated_column` wins."""
        columns = ", ".join(_quote(n) for n in incoming.column_names)
        keys = ", ".join(_quote(k) for k in spec.primary_key)
        on = " and ".join(f"t.{_quote(k)} = i.{_quote(k)}" for k in spec.primary_key)
        cur.execute("drop table if exists _landing_incoming, _landing_dedup")
        cur.execute(f"create temp table _landing_incoming as select {columns} from {spec.table} with no data")
        cur.copy_expert(f"copy _landing_incoming ({columns}) from stdin with (format csv)", _csv(incoming))
        # Within one batch the same record may appear twice (a source repeating it across pages).
        order = f", {_quote(spec.updated_column)} desc nulls last" if spec.updated_column else ""
        cur.execute(f"create temp table _landing_dedup as select distinct on ({keys}) * from _landing_incoming "
                    f"order by {keys}{order}")
        newer = ""
        if spec.updated_column:
            u = _quote(spec.updated_column)
            newer = f" and (t.{u} is null or i.{u} is null or i.{u} >= t.{u})"
        cur.execute(f"delete from {spec.table} t using _landing_dedup i where {on}{newer}")
        cur.execute(f"insert into {spec.table} ({columns}) select {columns} from _landing_dedup i "
                    f"where not exists (select 1 from {spec.table} t where {on})")
        cur.execute("drop table _landing_incoming, _landing_dedup")

    def _ledger(self, cur, extractor: Extractor, batch: Batch, run_id: str, at: dt.datetime) -> None:
        for r in batch.rejects:
            cur.execute(
                "insert into quarantine.records values (%s, %s, %s, %s, %s, %s, %s)",
                (extractor.source, r.stream, None if r.record_id is None else str(r.record_id), r.reason,
                 _json_or_none(r.payload), run_id, at))
        for name in sorted(set(batch.unknown_fields)):
            cur.execute(
                "insert into meta.unknown_fields values (%s, %s, %s, %s, %s, %s) on conflict (source, extractor, field) "
                "do update set last_seen = excluded.last_seen, run_id = excluded.run_id",
                (extractor.source, extractor.name, name, at, at, run_id))
        if batch.state is not None:
            cur.execute(
                "insert into meta.cursors values (%s, %s, %s, %s, %s) on conflict (source, extractor) "
                "do update set state = excluded.state, updated_at = excluded.updated_at, run_id = excluded.run_id",
                (extractor.source, extractor.name, json.dumps(batch.state, default=str, sort_keys=True), at, run_id))

    def land_batch(self, extractor: Extractor, batch: Batch, run_id: str) -> None:
        specs = batch_specs(extractor, batch)
        at = _utcnow()
        try:
            with self.conn.cursor() as cur:
                for name, rows in batch.rows.items():
                    if rows:
                        self._merge(cur, specs[name], _to_arrow(specs[name], rows, run_id, at))
                self._ledger(cur, extractor, batch, run_id, at)
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        # Committed in Postgres (resume reads the cursor there); the control warehouse's copy for status
        # and the quarantine-share check follows.
        with transaction(self.control):
            record_bookkeeping(self.control, extractor, batch, run_id, at)

    def row_count(self, spec: StreamSpec) -> int:
        with self.conn.cursor() as cur:
            cur.execute(f"select count(*) from {spec.table}")
            count = cur.fetchone()[0]
        self.conn.commit()
        return count

    def read_table(self, schema: str, name: str) -> pa.Table | None:
        with self.conn.cursor() as cur:
            table = read_arrow(cur, schema, name)
        self.conn.commit()
        return table

    def replace_tables(self, schema: str, tables: Mapping[str, pa.Table]) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"create schema if not exists {_quote(schema)}")
                for name, table in tables.items():
                    relation = f"{_quote(schema)}.{_quote(name)}"
                    ddl = ", ".join(f"{_quote(f.name)} {_arrow_to_postgres(f.type)}" for f in table.schema)
                    cur.execute(f"drop table if exists {relation}")
                    cur.execute(f"create table {relation} ({ddl})")
                    cur.copy_expert(f"copy {relation} from stdin with (format csv)", _csv(table))
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    return url


class PostgresEngine(Engine):
    name = "postgres"
    settings = (URL_VARIABLE,)

    @property
    def url(self) -> str:
        return (self.env.get(URL_VARIABLE) or "").strip()

    def _connect(self):
        import psycopg2  # noqa: PLC0415  (installed with dagster-postgres)

        return psycopg2.connect(self.url, connect_timeout=CONNECT_SECONDS)

    def problem(self) -> str | None:
        if not self.url:
            return (f"ARCHIPELAGO_ENGINE=postgres needs {URL_VARIABLE} "
                    "(postgresql://user:password@host:5432/database); set it, or choose another engine.")
        if urlsplit(self.url).scheme not in ("postgresql", "postgres"):
            return f"{URL_VARIABLE}={_redacted(self.url)} is not a postgresql:// URL."
        if importlib.util.find_spec("dbt.adapters.postgres") is None:
            return "the postgres engine needs dbt-postgres, which is not installed: run `make setup` (or `uv sync`)."
        try:
            self._connect().close()
        except Exception as exc:  # psycopg2.OperationalError and friends: one line
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return (f"{URL_VARIABLE}={_redacted(self.url)} is unreachable: {reason}; check {URL_VARIABLE} "
                    "and that the server runs.")
        return None

    def describe(self) -> str:
        return f"postgres ({_redacted(self.url)})"

    def dbt_environment(self) -> dict[str, str | None]:
        parts = urlsplit(self.url)
        return {
            "DBT_TARGET": DBT_TARGET,
            "ARCHIPELAGO_DBT_POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "ARCHIPELAGO_DBT_POSTGRES_PORT": str(parts.port or 5432),
            "ARCHIPELAGO_DBT_POSTGRES_USER": unquote(parts.username or ""),
            "ARCHIPELAGO_DBT_POSTGRES_PASSWORD": unquote(parts.password or ""),
            "ARCHIPELAGO_DBT_POSTGRES_DATABASE": unquote(parts.path.lstrip("/")) or "postgres",
        }

    @contextlib.contextmanager
    def raw_target(self, control: duckdb.DuckDBPyConnection) -> Iterator[RawTarget]:
        conn = self._connect()
        try:
            yield PostgresTarget(conn, control)
        finally:
            conn.close()

    def copy_marts(self, control: duckdb.DuckDBPyConnection) -> dict[str, int]:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute("select table_name from information_schema.tables where table_schema = 'marts' order by 1")
                wanted = [("marts", name) for (name,) in cur.fetchall()] + relations_the_checks_read()
                tables = {}
                for schema, name in wanted:
                    table = read_arrow(cur, schema, name, None if schema == "marts" else columns_the_checks_read)
                    if table is not None:
                        tables[(schema, name)] = table
        finally:
            conn.close()
        return replace_in_control(control, tables)
