"""Copy Spark tables out as Arrow IPC files, in a process of its own.

A refresh reads the marts back after dbt (its own JVM) has built them. Doing that in the refresh's
process would start a JVM there that outlives the session: the embedded Derby metastore stays locked
against the next dbt run, and shutting Derby down unregisters its driver for every later session in
that process. A child process ends its JVM, and with it every lock, when it exits.

    python -m pipelines.engines.spark_export HOME OUT_DIR '[["marts", null], ["raw_jira", "issues"]]'

writes OUT_DIR/<schema>.<table>.arrow for every table of a schema given with null, and for each named
table that exists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa


def naive_utc(table: pa.Table) -> pa.Table:
    """Spark hands session-time-zone (UTC) timestamps to Arrow with a zone; DuckDB's marts have none."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = column.cast(pa.timestamp(field.type.unit, tz="UTC")).cast(pa.timestamp(field.type.unit))
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def export(home: Path, out_dir: Path, wanted: list[tuple[str, str | None]]) -> None:
    from pipelines.spark_runtime import spark_session  # noqa: PLC0415 - starts a JVM: only in this process

    with spark_session(home) as spark:
        spark.sparkContext.setLogLevel("ERROR")
        tables: list[tuple[str, str]] = []
        for schema, name in wanted:
            if name is None:
                if spark.catalog.databaseExists(schema):
                    tables += [(schema, row.tableName) for row in spark.sql(f"show tables in {schema}").collect()
                               if not row.isTemporary]
            elif spark.catalog.tableExists(f"{schema}.{name}"):
                tables.append((schema, name))
        for schema, name in tables:
            table = naive_utc(spark.table(f"{schema}.{name}").toArrow())
            with pa.OSFile(str(out_dir / f"{schema}.{name}.arrow"), "wb") as sink, \
                    pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)


if __name__ == "__main__":
    export(Path(sys.argv[1]), Path(sys.argv[2]), [tuple(item) for item in json.loads(sys.argv[3])])
