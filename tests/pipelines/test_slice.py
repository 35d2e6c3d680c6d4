"""The first vertical slice through every layer, materialised for real with `dagster.materialize`:
directory CSV -> raw -> dbt staging/intermediate/marts -> GX blocking checks -> published file."""

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from archipelago_testing import DEMO_DIRECTORY, TEST_KEY, isolated_env, materialize_everything, temp_instance

from pipelines.publishing import PUBLISHED_FILE


def materialize_all(instance):
    return materialize_everything(instance)


@pytest.fixture(scope="module")
def published_once(tmp_path_factory):
    """One clean run of the slice; returns the home and the instance directory."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("slice") / "home"
    home.mkdir()
    isolated_env(mp, home)
    directory = home.parent / "directory.csv"
    shutil.copy(DEMO_DIRECTORY, directory)
    mp.setenv("DIRECTORY_CSV_PATH", str(directory))
    mp.setenv("DIRECTORY_CSV_SNAPSHOT_DATE", "2026-11-01")
    mp.setenv("ARCHIPELAGO_TODAY", "2026-11-02")
    instance = temp_instance(home.parent / "instance")
    result = materialize_all(instance)
    yield home, instance, result, directory, mp
    mp.undo()


def test_a_clean_run_publishes_every_contract_table(published_once):
    home, _, result, _, _ = published_once
    assert result.success
    path = home / "published" / PUBLISHED_FILE
    with duckdb.connect(str(path), read_only=True) as conn:
        for table in ("org.dim_department", "org.headcount_by_department"):
            assert conn.execute(f"select count(*) from {table}").fetchone()[0] > 0
        assert conn.execute("select sum(headcount) from org.headcount_by_department").fetchone()[0] > 0
        run_id, tables = conn.execute("select run_id, tables from meta.publication").fetchone()
        assert run_id == result.run_id and "org.headcount_by_department" in tables
    assert (home / "published" / "parquet" / "org.headcount_by_department.parquet").exists()
    checks = [e for e in result.get_asset_check_evaluations() if e.check_name == "gx_suite"]
    # One suite per published table (the silo and adoption marts are published empty without their sources).
    from pipelines.assets.dbt import published_tables  # noqa: PLC0415

    assert len(checks) == len(published_tables()) >= 2 and all(e.passed for e in checks)


def test_no_email_name_or_secret_reaches_warehouse_publication_or_logs(published_once):
    home, instance, _, directory, _ = published_once
    with directory.open() as handle:
        people = list(csv.DictReader(handle))
    needles = [TEST_KEY.encode()] + [p["email"].encode() for p in people] + [p["display_name"].encode() for p in people]
    haystacks = [p for p in home.rglob("*") if p.is_file()] + [p for p in Path(instance.root_directory).rglob("*") if p.is_file()]
    assert haystacks
    for path in haystacks:
        data = path.read_bytes()
        leaked = [n.decode() for n in needles if n in data]
        assert not leaked, f"{path} contains {leaked[:3]}"


def test_a_directory_that_breaks_the_suite_keeps_the_last_good_publication(published_once):
    home, instance, _, directory, mp = published_once
    published = home / "published" / PUBLISHED_FILE
    before = published.read_bytes()
    # A month later the HR system still hands over an export taken in October: dbt's tests hold, but
    # the directory is stale, so the suite's freshness expectation must block publication.
    with directory.open() as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["team"] = "Renamed team"
    stale = directory.with_name("stale.csv")
    with stale.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mp.setenv("DIRECTORY_CSV_PATH", str(stale))
    mp.setenv("DIRECTORY_CSV_SNAPSHOT_DATE", "2026-10-15")
    mp.setenv("ARCHIPELAGO_TODAY", "2026-12-01")
    result = materialize_all(instance)
    assert not result.success
    assert published.read_bytes() == before, "the last good publication must stay byte for byte"
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.asset_key.to_user_string() for e in failed] == ["marts/headcount_by_department"]
    message = failed[0].description
    assert "org.headcount_by_department" in message and "freshness" in message and "2026-11-01" in message
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        stored = conn.execute(
            "select table_name, expectation, observed_value from meta.check_results "
            "where run_id = ? and not success", [result.run_id]).fetchall()
    assert len(stored) == 1
    table, expectation, observed = stored[0]
    assert table == "org.headcount_by_department" and expectation.startswith("freshness") and "2026-11-01" in observed
