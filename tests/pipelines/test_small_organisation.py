"""The smallest organisation the demo supports publishes: 50 employees over one month, through the
sandbox over real HTTP, landed, modelled and checked (freshness measured against source activity)."""

import datetime as dt

import duckdb
import pytest
from archipelago_testing import failures, isolated_env, materialize_everything, temp_instance


def test_fifty_people_over_one_month_publish(tmp_path):
    from sandbox import SandboxServer, generate_organisation  # noqa: PLC0415

    mp = pytest.MonkeyPatch()
    home = tmp_path / "home"
    isolated_env(mp, home)
    end = dt.date(2026, 10, 31)
    mp.setenv("ARCHIPELAGO_TODAY", (end + dt.timedelta(days=1)).isoformat())
    org = generate_organisation(seed=7, employees=50, months=1, end_date=end)
    try:
        with SandboxServer(org, port=0, exports_dir=tmp_path / "exports") as server:
            for name, value in server.env().items():
                mp.setenv(name, value)
            result = materialize_everything(temp_instance(tmp_path / "instance"))
    finally:
        mp.undo()
    assert result.success, failures(result)
    with duckdb.connect(str(home / "published" / "marts.duckdb"), read_only=True) as conn:
        assert conn.execute("select run_id from meta.publication").fetchone()[0] == result.run_id
