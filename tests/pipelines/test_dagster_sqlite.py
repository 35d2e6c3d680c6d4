"""Dagster's SQLite storage under DAGSTER_HOME syncs at checkpoints; other SQLite files keep their default."""

import sqlite3

import dagster as dg
import sqlalchemy as sa

from pipelines.dagster_sqlite import relax_dagster_sqlite_fsync, reuse_event_log_engines


def _synchronous(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("PRAGMA synchronous")).scalar()


def test_dagster_storage_commits_without_fsync_and_other_files_keep_theirs(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    relax_dagster_sqlite_fsync()
    relax_dagster_sqlite_fsync()  # idempotent: one listener
    assert _synchronous(sa.create_engine(f"sqlite:///{home / 'runs.db'}")) == 1  # NORMAL
    assert _synchronous(sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")) == 2  # FULL, SQLite's default
    assert sqlite3.connect(home / "plain.db").execute("PRAGMA synchronous").fetchone()[0] == 2  # not through SQLAlchemy

    # A real Dagster instance under that home records a run's events.
    instance = dg.DagsterInstance.from_config(str(home))

    @dg.asset
    def one() -> int:
        return 1

    result = dg.materialize([one], instance=instance)
    assert result.success
    assert instance.get_latest_materialization_event(dg.AssetKey("one")) is not None


def test_event_log_keeps_one_engine_per_shard_and_records_checks(tmp_path):
    assert reuse_event_log_engines() and reuse_event_log_engines()  # applies on this Dagster, idempotent
    instance = dg.DagsterInstance.from_config(str(tmp_path))

    @dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="counted")])
    def counted():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="positive", passed=False, metadata={"observed": -1})

    for _ in range(2):
        result = dg.materialize([counted], instance=instance, raise_on_error=False)
        [evaluation] = result.get_asset_check_evaluations()
        assert not evaluation.passed
    storage = instance.event_log_storage
    engines = storage.__dict__["_archipelago_engines"]
    assert len(engines) == 3  # the index shard and one per run, each built once
    records = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("counted"), "positive"), limit=5)
    assert len(records) == 2


def test_a_long_lived_process_keeps_only_the_most_recent_engines(tmp_path):
    from pipelines.dagster_sqlite import MAX_ENGINES  # noqa: PLC0415

    reuse_event_log_engines()
    storage = dg.DagsterInstance.from_config(str(tmp_path)).event_log_storage
    for index in range(MAX_ENGINES + 3):
        with storage.run_connection(f"run-{index}"):
            pass
    engines = storage.__dict__["_archipelago_engines"]
    assert len(engines) == MAX_ENGINES and f"run-{MAX_ENGINES + 2}" in engines and "run-0" not in engines


def _dbapi_connection(storage, shard_run_id: str | None = None):
    with storage.run_connection(shard_run_id) if shard_run_id else storage.index_connection() as conn:
        return conn.connection.dbapi_connection


def test_each_shard_keeps_its_connection_open_and_other_instances_see_the_events(tmp_path):
    reuse_event_log_engines()
    instance = dg.DagsterInstance.from_config(str(tmp_path))

    @dg.asset
    def kept() -> int:
        return 1

    result = dg.materialize([kept], instance=instance)
    storage = instance.event_log_storage
    first = _dbapi_connection(storage, result.run_id)
    assert _dbapi_connection(storage, result.run_id) is first  # not closed and opened again per use
    assert _dbapi_connection(storage) is not first  # the index shard has its own
    # What it wrote is committed: a second instance (as the UI or a benchmark in another process) reads it.
    other = dg.DagsterInstance.from_config(str(tmp_path))
    assert other.get_latest_materialization_event(dg.AssetKey("kept")).run_id == result.run_id
    assert len(other.all_logs(result.run_id)) == len(instance.all_logs(result.run_id))


def test_a_forked_child_opens_its_own_connections(tmp_path):
    reuse_event_log_engines()
    storage = dg.DagsterInstance.from_config(str(tmp_path)).event_log_storage
    inherited = _dbapi_connection(storage)
    storage.__dict__["_archipelago_pid"] = -1  # as a child of a fork sees it: another process built them
    assert _dbapi_connection(storage) is not inherited
    assert storage.__dict__["_archipelago_pid"] > 0
