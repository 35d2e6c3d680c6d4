"""Spark for tests: a DuckDB warehouse's raw tables as a Parquet lake, and dbt on the local Spark session."""

from __future__ import annotations

import json
import os
from pathlib import Path


def export_raw_to_lake(warehouse: Path, lake: Path) -> list[str]:
    """Write every `raw_*` table of a DuckDB warehouse to lake/<schema>/<table>/part-0.parquet; their names."""
    import duckdb  # noqa: PLC0415

    names = []
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        duck.execute("set TimeZone = 'UTC'")
        tables = duck.execute("select schema_name, table_name from duckdb_tables() "
                              "where schema_name like 'raw\\_%' escape '\\' order by 1, 2").fetchall()
        for schema, table in tables:
            target = lake / schema / table
            target.mkdir(parents=True, exist_ok=True)
            duck.execute(f"copy \"{schema}\".\"{table}\" to '{target / 'part-0.parquet'}' (format parquet)")
            names.append(f"{schema}.{table}")
    return names


def spark_dbt_env(home: Path, lake: Path, tables: list[str]) -> dict[str, str]:
    """The environment of a `dbt ... --target spark` run over this lake."""
    from pipelines.spark_runtime import spark_environment  # noqa: PLC0415

    # DuckDB's raw tables hold one row per key already: no key to deduplicate by.
    described = {table: {"primary_key": [], "updated_column": None} for table in tables}
    return {**os.environ, **spark_environment(home), "ARCHIPELAGO_LAKE_DIR": str(lake),
            "ARCHIPELAGO_LAKE_TABLES": json.dumps(described)}


def spark_marts_in_duckdb(home: Path):
    """An in-memory DuckDB holding a copy of every table of the Spark catalog's `marts` schema."""
    import duckdb  # noqa: PLC0415

    from pipelines.spark_runtime import spark_session  # noqa: PLC0415

    conn = duckdb.connect()
    conn.execute("create schema marts")
    with spark_session(home) as spark:
        for row in spark.sql("show tables in marts").collect():
            table = spark.table(f"marts.{row.tableName}").toArrow()
            conn.register("_spark_copy", table)
            conn.execute(f'create table marts."{row.tableName}" as select * from _spark_copy')
            conn.unregister("_spark_copy")
    return conn
