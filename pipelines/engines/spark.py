"""Spark: raw records land as Parquet files in a lake, dbt builds on a Spark session, marts read back as Arrow.

Settings (docs/engines.md#spark): ARCHIPELAGO_LAKE (the lake: a directory, $ARCHIPELAGO_HOME/lake by
default, or a URL pyarrow's filesystems open, such as s3://bucket/lake) and ARCHIPELAGO_SPARK_DIR (the
local session's warehouse directory and Derby metastore, $ARCHIPELAGO_HOME/spark by default).

Landing needs no Spark: each batch's rows of a stream become one Parquet file in
<lake>/raw_<source>/<stream>/, written under a hidden temporary name and renamed into place, and only then
does the batch's cursor commit (with its rejects and unknown field names) in the control warehouse. A run
killed in between lands the batch again on resume, which is harmless: the lake keeps every version of a
record and readers take the newest per key (the newest `updated_column`, then the latest landing), the
rule DuckDB's landing applies when it merges. Each table directory holds `_table.json` with its key.

Once per dbt command, before the first model builds, macros/spark_lake.sql (a pre-hook) registers each
directory with Spark as `raw_<source>.<stream>`: a view that keeps the newest row per key over an
external Parquet table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pa_ds
import pyarrow.fs as pa_fs
import pyarrow.parquet as pa_pq

from connectors.base import Batch, Extractor, StreamSpec
from pipelines.engines.base import Engine, RawTarget, relations_the_checks_read, replace_in_control
from pipelines.landing import _quote, _to_arrow, _utcnow, batch_specs, read_cursor, record_bookkeeping
from pipelines.spark_runtime import JavaNotFound, find_java_home, spark_dir, spark_environment
from pipelines.warehouse import KeyMismatchError, check_key, transaction

LAKE_VARIABLE = "ARCHIPELAGO_LAKE"
DBT_TARGET = "spark"
TABLE_FILE = "_table.json"  # Spark skips files whose names start with _ or .
KEY_FILE = "_pseudonym_key.json"


class Lake:
    """The lake's root on a pyarrow filesystem: a local directory or an object-store URL."""

    def __init__(self, location: str):
        if "://" in location:
            self.fs, self.root = pa_fs.FileSystem.from_uri(location)
            self.url = location.rstrip("/")
        else:
            self.fs, self.root = pa_fs.LocalFileSystem(), str(Path(location).resolve())
            self.url = self.root
        self.root = self.root.rstrip("/")

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type != pa_fs.FileType.NotFound

    def write_atomically(self, path: str, write) -> None:
        """`write(temporary_path)`, then rename onto `path`: readers see the whole file or none of it."""
        folder, name = path.rsplit("/", 1)
        self.fs.create_dir(folder, recursive=True)
        temporary = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
        try:
            write(temporary)
            self.fs.move(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                self.fs.delete_file(temporary)
            raise

    def write_parquet(self, path: str, table: pa.Table) -> None:
        self.write_atomically(path, lambda temporary: pa_pq.write_table(table, temporary, filesystem=self.fs))

    def write_json(self, path: str, value) -> None:
        data = json.dumps(value, sort_keys=True).encode()

        def write(temporary):
            with self.fs.open_output_stream(temporary) as out:
                out.write(data)
        self.write_atomically(path, write)

    def read_json(self, path: str):
        if not self.exists(path):
            return None
        with self.fs.open_input_stream(path) as stream:
            return json.loads(stream.read())

    def parquet_files(self, folder: str) -> list[str]:
        if not self.exists(folder):
            return []
        infos = self.fs.get_file_info(pa_fs.FileSelector(folder))
        return sorted(i.path for i in infos if i.type == pa_fs.FileType.File and i.base_name.endswith(".parquet")
                      and not i.base_name.startswith((".", "_")))

    def tables(self) -> dict[str, dict]:
        """raw_<source>.<stream> -> its _table.json, for every table directory of the lake."""
        found = {}
        if not self.exists(self.root):
            return found
        for schema in self.fs.get_file_info(pa_fs.FileSelector(self.root)):
            if schema.type != pa_fs.FileType.Directory or not schema.base_name.startswith("raw_"):
                continue
            for table in self.fs.get_file_info(pa_fs.FileSelector(schema.path)):
                described = self.read_json(f"{table.path}/{TABLE_FILE}") if table.type == pa_fs.FileType.Directory else None
                if described is not None:
                    found[f"{schema.base_name}.{table.base_name}"] = described
        return found


def _file_name(at: dt.datetime) -> str:
    """Sorts by landing time: the order readers break ties in."""
    return f"part-{at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"


def newest_per_key(table: pa.Table, key: list[str], updated: str | None) -> pa.Table:
    """One row per key: the newest `updated` (nulls last), then the latest `_loaded_at` (the landing's rule)."""
    if not key or table.num_rows == 0:
        return table
    keys = ", ".join(_quote(k) for k in key)
    order = (f"{_quote(updated)} desc nulls last, " if updated else "") + '"_loaded_at" desc nulls last'
    with duckdb.connect() as conn:
        conn.register("rows", table)
        return conn.execute(f"select * from rows qualify row_number() over (partition by {keys} order by {order}) = 1"
                            ).arrow().read_all()


class LakeTarget:
    """Raw tables as Parquet files in the lake (a pipelines.engines.base.RawTarget); the landing ledger
    (cursors, rejects, unknown field names) is the control warehouse's."""

    def __init__(self, lake: Lake, control: duckdb.DuckDBPyConnection):
        self.lake, self.control = lake, control

    def _folder(self, schema: str, name: str) -> str:
        return self.lake.path(schema, name)

    def ensure_tables(self, specs: Iterable[StreamSpec]) -> None:
        for spec in specs:
            folder = self._folder(spec.schema, spec.name)
            # An empty file with every declared column: the table exists (and has a column a newer
            # connector declares) before any row lands.
            empty = _to_arrow(spec, [], "", _utcnow())
            known = self.lake.read_json(f"{folder}/{TABLE_FILE}") or {}
            # Columns only grow, as on DuckDB: older files keep theirs, readers see the union.
            columns = list(dict.fromkeys([*(known.get("columns") or []), *empty.column_names]))
            described = {"primary_key": list(spec.primary_key), "updated_column": spec.updated_column, "columns": columns}
            if known != described:
                self.lake.write_json(f"{folder}/{TABLE_FILE}", described)
            marker = f"{folder}/schema-{hashlib.sha256(str(empty.schema).encode()).hexdigest()[:16]}.parquet"
            if not self.lake.exists(marker):
                self.lake.write_parquet(marker, empty)

    def check_key(self, fingerprint: str) -> None:
        check_key(self.control, fingerprint)
        path = self.lake.path(KEY_FILE)
        recorded = self.lake.read_json(path)
        if recorded is None:
            self.lake.write_json(path, {"fingerprint": fingerprint})
        elif recorded.get("fingerprint") != fingerprint:
            raise KeyMismatchError(
                f"ARCHIPELAGO_PSEUDONYM_KEY is not the key the lake's raw files were landed with (fingerprint "
                f"{fingerprint}, lake {recorded.get('fingerprint')}): nothing was landed. Restore the old key, or point "
                f"{LAKE_VARIABLE} at a new, empty lake (docs/engines.md).")

    def read_cursor(self, source: str, extractor: str) -> dict | None:
        return read_cursor(self.control, source, extractor)

    def land_batch(self, extractor: Extractor, batch: Batch, run_id: str) -> None:
        specs = batch_specs(extractor, batch)
        at = _utcnow()
        # Every stream's rows as Arrow first: a value Arrow refuses stops the batch before any file is written.
        tables = {name: newest_per_key(_to_arrow(specs[name], rows, run_id, at), list(specs[name].primary_key),
                                       specs[name].updated_column)
                  for name, rows in batch.rows.items() if rows}
        for name, table in tables.items():
            self.lake.write_parquet(f"{self._folder(specs[name].schema, specs[name].name)}/{_file_name(at)}", table)
        # The files are in place; now the cursor (resume starts after this batch) and the rest of the ledger.
        with transaction(self.control):
            record_bookkeeping(self.control, extractor, batch, run_id, at)

    def _read(self, schema: str, name: str, columns: list[str] | None = None) -> pa.Table | None:
        folder = self._folder(schema, name)
        files = self.lake.parquet_files(folder)
        if not files:
            return None
        described = self.lake.read_json(f"{folder}/{TABLE_FILE}") or {}
        key, updated = described.get("primary_key") or [], described.get("updated_column")
        dataset = pa_ds.dataset(files, filesystem=self.lake.fs, format="parquet",
                                schema=pa.unify_schemas([pa_pq.read_schema(f, filesystem=self.lake.fs) for f in files]))
        if columns is not None:
            columns = list(dict.fromkeys([*key, *([updated] if updated else []), "_loaded_at", *columns]))
        return newest_per_key(dataset.to_table(columns=columns), key, updated)

    def row_count(self, spec: StreamSpec) -> int:
        table = self._read(spec.schema, spec.name, columns=[])
        return 0 if table is None else table.num_rows

    def read_table(self, schema: str, name: str) -> pa.Table | None:
        return self._read(schema, name)

    def replace_tables(self, schema: str, tables: Mapping[str, pa.Table]) -> None:
        """The new file of each table, then the old files go (dbt never runs while a step lands)."""
        for name, table in tables.items():
            folder = self._folder(schema, name)
            old = self.lake.parquet_files(folder)
            self.lake.write_json(f"{folder}/{TABLE_FILE}", {"primary_key": [], "updated_column": None,
                                                            "columns": table.column_names})
            self.lake.write_parquet(f"{folder}/{_file_name(_utcnow())}", table)
            for path in old:
                self.lake.fs.delete_file(path)


class SparkEngine(Engine):
    name = "spark"
    settings = (LAKE_VARIABLE, "ARCHIPELAGO_SPARK_DIR")

    @property
    def lake_location(self) -> str:
        return (self.env.get(LAKE_VARIABLE) or "").strip() or str(self.home / "lake")

    def problem(self) -> str | None:
        for module, package in (("pyspark", "pyspark"), ("dbt.adapters.spark", "dbt-spark[session]")):
            if importlib.util.find_spec(module) is None:
                return f"the spark engine needs {package}, which is not installed: run `make setup` (or `uv sync`)."
        try:
            find_java_home()
        except JavaNotFound as exc:
            return str(exc)
        try:
            Lake(self.lake_location)
        except (OSError, ValueError, pa.ArrowException) as exc:
            return f"{LAKE_VARIABLE}={self.lake_location} cannot be opened: {str(exc).splitlines()[0]}."
        return None

    def describe(self) -> str:
        return f"spark (local session in {spark_dir(self.home)}, lake {self.lake_location})"

    def dbt_environment(self) -> dict[str, str | None]:
        lake = Lake(self.lake_location)
        return {"DBT_TARGET": DBT_TARGET, **spark_environment(self.home), "ARCHIPELAGO_LAKE_DIR": lake.url,
                "ARCHIPELAGO_LAKE_TABLES": json.dumps(lake.tables(), sort_keys=True)}

    @contextlib.contextmanager
    def raw_target(self, control: duckdb.DuckDBPyConnection) -> Iterator[RawTarget]:
        yield LakeTarget(Lake(self.lake_location), control)

    def copy_marts(self, control: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """The marts and the relations the checks read, copied into the control warehouse through a child
        process (pipelines/engines/spark_export.py says why)."""
        wanted = [("marts", None), *relations_the_checks_read()]
        with tempfile.TemporaryDirectory(dir=self.home, prefix=".spark-export-") as out:
            done = subprocess.run(
                [sys.executable, "-m", "pipelines.engines.spark_export", str(self.home), out, json.dumps(wanted)],
                env={**os.environ, **spark_environment(self.home)}, capture_output=True, text=True, check=False,
            )
            if done.returncode != 0:
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                raise SparkExportError(
                    f"reading the marts back from Spark failed ({lines[-1] if lines else done.returncode}): "
                    f"see the run log; a dbt run holding the metastore in {spark_dir(self.home)} must end first.")
            tables = {}
            for path in sorted(Path(out).glob("*.arrow")):
                schema, name = path.name[: -len(".arrow")].split(".", 1)
                with pa.memory_map(str(path)) as source:
                    tables[(schema, name)] = pa.ipc.open_file(source).read_all()
        return replace_in_control(control, tables)


class SparkExportError(RuntimeError):
    """The child process that reads Spark's tables failed."""
