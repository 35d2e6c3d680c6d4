"""The smallest organisation the demo supports: 50 employees over one month, through the sandbox over
real HTTP, landed, modelled, checked and published, with the Dagster instance on a real Postgres server
this module starts (ARCHIPELAGO_DAGSTER_POSTGRES_URL, as the command line configures it). The same
server then builds the dbt project on Postgres from this warehouse's raw tables: one refresh, two proofs."""

import datetime as dt
import os
import subprocess
from urllib.parse import urlsplit

import dagster as dg
import duckdb
import psycopg2
import pytest
from archipelago_testing import failures, isolated_env, materialize_everything
from postgres_testing import copy_raw_schemas, create_database, running_postgres

END = dt.date(2026, 10, 31)
TODAY = (END + dt.timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def small_organisation(tmp_path_factory):
    from pipelines.settings import configure_environment  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    root = tmp_path_factory.mktemp("small")
    mp = pytest.MonkeyPatch()
    home = root / "home"
    isolated_env(mp, home)
    mp.setenv("DAGSTER_HOME", str(root / "dagster"))
    mp.setenv("ARCHIPELAGO_TODAY", TODAY)
    org = generate_organisation(seed=7, employees=50, months=1, end_date=END)
    with running_postgres("dagster") as url:
        try:
            mp.setenv("ARCHIPELAGO_DAGSTER_POSTGRES_URL", url)
            configure_environment(dotenv=root / "no.env")
            with SandboxServer(org, port=0, exports_dir=root / "exports") as server:
                for name, value in server.env().items():
                    mp.setenv(name, value)
                with dg.DagsterInstance.get() as instance:
                    result = materialize_everything(instance)
                    stored = instance.get_run_by_id(result.run_id)
        finally:
            mp.undo()
        yield root, home, url, result, stored


def test_fifty_people_over_one_month_publish_with_dagster_on_postgres(small_organisation):
    root, home, url, result, stored = small_organisation
    assert result.success, failures(result)
    assert stored is not None and stored.status == dg.DagsterRunStatus.SUCCESS
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select status from runs where run_id = %s", (result.run_id,))
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute("select count(*), count(*) filter (where dagster_event_type = 'ASSET_MATERIALIZATION') "
                    "from event_logs where run_id = %s", (result.run_id,))
        events, materializations = cur.fetchone()
    assert events > 100 and materializations > 20, (events, materializations)
    assert not list((root / "dagster").rglob("*.db")), "no SQLite storage next to the Postgres one"
    with duckdb.connect(str(home / "published" / "marts.duckdb"), read_only=True) as conn:
        assert conn.execute("select run_id from meta.publication").fetchone()[0] == result.run_id


def _mart_profile_duckdb(conn) -> dict:
    """Per mart: rows, and per column the non-null count and (numbers) the sum, (booleans) the trues."""
    profile = {}
    for (table,) in conn.execute("select table_name from information_schema.tables where table_schema = 'marts' "
                                 "and table_type = 'BASE TABLE' order by 1").fetchall():
        columns = conn.execute("select column_name, data_type from information_schema.columns where table_schema = "
                               "'marts' and table_name = ? order by ordinal_position", [table]).fetchall()
        profile[table] = _profile(lambda sql: conn.execute(sql).fetchone(), table, columns, numeric=(
            "DOUBLE", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "FLOAT"), boolean="BOOLEAN")
    return profile


def _mart_profile_postgres(cur, tables) -> dict:
    profile = {}
    for table in tables:
        cur.execute("select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                    "and table_name = %s order by ordinal_position", (table,))
        columns = cur.fetchall()

        def one(sql):
            cur.execute(sql)
            return cur.fetchone()
        profile[table] = _profile(one, table, columns, numeric=(
            "double precision", "bigint", "integer", "numeric", "smallint", "real"), boolean="boolean")
    return profile


def _profile(one, table, columns, *, numeric, boolean) -> dict:
    parts = ["count(*)"]
    for name, kind in columns:
        parts.append(f'count("{name}")')
        if kind in numeric or kind.startswith(("DECIMAL", "numeric")):
            parts.append(f'sum(cast("{name}" as double precision))')
        elif kind == boolean:
            parts.append(f'sum(case when "{name}" then 1 else 0 end)')
    values = one(f'select {", ".join(parts)} from marts."{table}"')
    return {"columns": [name for name, _ in columns], "values": [float("nan") if v is None else float(v) for v in values]}


def test_the_dbt_project_builds_on_postgres_with_duckdb_results(small_organisation, tmp_path):
    """dbt-postgres on the same raw tables, built twice: every model, test and unit test passes, and every
    mart has DuckDB's rows, non-null counts and sums (floats within 1e-9 relative)."""
    from pipelines.assets.dbt import dbt_executable  # noqa: PLC0415

    _, home, url, result, _ = small_organisation
    assert result.success, failures(result)
    server = urlsplit(url)
    warehouse_url = create_database(url, "warehouse")
    copied = copy_raw_schemas(home / "warehouse.duckdb", warehouse_url, tmp_path)
    assert sum(copied.values()) > 1000, copied
    env = {**os.environ, "ARCHIPELAGO_TODAY": TODAY, "ARCHIPELAGO_DBT_POSTGRES_HOST": server.hostname,
           "ARCHIPELAGO_DBT_POSTGRES_PORT": str(server.port), "ARCHIPELAGO_DBT_POSTGRES_USER": server.username,
           "ARCHIPELAGO_DBT_POSTGRES_DATABASE": "warehouse"}
    env.pop("ARCHIPELAGO_PRIVACY_K", None)
    for build in ("first", "incremental"):  # the second build takes the incremental models' merge path
        built = subprocess.run([dbt_executable(), "build", "--target", "postgres", "--profiles-dir", ".",
                                "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                               cwd=os.path.join(os.path.dirname(__file__), "..", "..", "dbt_project"),
                               env=env, capture_output=True, text=True)
        assert built.returncode == 0, f"{build} build: {built.stdout[-3000:]}"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        expected = _mart_profile_duckdb(conn)
    with psycopg2.connect(warehouse_url) as conn, conn.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        assert sorted(name for (name,) in cur.fetchall()) == sorted(expected)
        actual = _mart_profile_postgres(cur, expected)
    assert len(expected) >= 15, sorted(expected)
    for table, want in expected.items():
        got = actual[table]
        assert got["columns"] == want["columns"], table
        assert got["values"] == pytest.approx(want["values"], rel=1e-9, nan_ok=True), table
