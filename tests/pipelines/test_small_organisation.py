"""The smallest organisation the demo supports publishes: 50 employees over one month, through the
sandbox over real HTTP, landed, modelled and checked (freshness measured against source activity).

The run goes through the instance the command line configures with ARCHIPELAGO_DAGSTER_POSTGRES_URL,
on a real Postgres server this test starts: one refresh proves both (a second one would cost a minute)."""

import datetime as dt

import dagster as dg
import duckdb
import psycopg2
import pytest
from archipelago_testing import failures, isolated_env, materialize_everything
from postgres_testing import running_postgres


def test_fifty_people_over_one_month_publish_with_dagster_on_postgres(tmp_path):
    from pipelines.settings import configure_environment  # noqa: PLC0415
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    mp = pytest.MonkeyPatch()
    home = tmp_path / "home"
    isolated_env(mp, home)
    mp.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    end = dt.date(2026, 10, 31)
    mp.setenv("ARCHIPELAGO_TODAY", (end + dt.timedelta(days=1)).isoformat())
    org = generate_organisation(seed=7, employees=50, months=1, end_date=end)
    with running_postgres("dagster") as url:
        try:
            mp.setenv("ARCHIPELAGO_DAGSTER_POSTGRES_URL", url)
            configure_environment(dotenv=tmp_path / "no.env")
            with SandboxServer(org, port=0, exports_dir=tmp_path / "exports") as server:
                for name, value in server.env().items():
                    mp.setenv(name, value)
                with dg.DagsterInstance.get() as instance:
                    result = materialize_everything(instance)
                    stored = instance.get_run_by_id(result.run_id)
        finally:
            mp.undo()
        assert result.success, failures(result)
        assert stored is not None and stored.status == dg.DagsterRunStatus.SUCCESS
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("select status from runs where run_id = %s", (result.run_id,))
            assert cur.fetchall() == [("SUCCESS",)]
            cur.execute("select count(*), count(*) filter (where dagster_event_type = 'ASSET_MATERIALIZATION') "
                        "from event_logs where run_id = %s", (result.run_id,))
            events, materializations = cur.fetchone()
        assert events > 100 and materializations > 20, (events, materializations)
    assert not list((tmp_path / "dagster").rglob("*.db")), "no SQLite storage next to the Postgres one"
    with duckdb.connect(str(home / "published" / "marts.duckdb"), read_only=True) as conn:
        assert conn.execute("select run_id from meta.publication").fetchone()[0] == result.run_id
