"""Choosing the warehouse engine: `--engine`, ARCHIPELAGO_ENGINE, duckdb by default, one-line errors."""

import pytest

from archipelago.cli import main
from connectors.errors import ConfigError
from pipelines.engines import ENGINE_VARIABLE, apply_dbt_environment, engine_name, get_engine
from pipelines.engines.duckdb import DuckDBEngine
from pipelines.landing import DuckDBTarget
from pipelines.warehouse import connect


def test_duckdb_is_the_default_and_the_variable_or_the_flag_choose():
    assert engine_name(env={}) == "duckdb"
    assert engine_name(env={ENGINE_VARIABLE: " Postgres "}) == "postgres"
    assert engine_name("duckdb", env={ENGINE_VARIABLE: "postgres"}) == "duckdb"  # the flag wins


@pytest.mark.parametrize(("value", "env", "named"), [
    ("oracle", {}, "--engine 'oracle'"),
    (None, {ENGINE_VARIABLE: "sqlite"}, "ARCHIPELAGO_ENGINE 'sqlite'"),
])
def test_an_unknown_engine_is_one_line_naming_where_it_came_from(value, env, named):
    with pytest.raises(ConfigError) as error:
        engine_name(value, env=env)
    assert str(error.value).startswith(named) and "\n" not in str(error.value)
    assert "duckdb, postgres, spark" in str(error.value)


def test_refresh_with_an_unknown_engine_stops_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCHIPELAGO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("ARCHIPELAGO_DAGSTER_POSTGRES_URL", raising=False)
    assert main(["refresh", "--engine", "oracle"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("✗ --engine 'oracle' is not an engine") and "\n" not in err


def test_the_duckdb_engine_lands_into_the_control_warehouse_and_builds_on_the_local_target(tmp_path):
    engine = get_engine(tmp_path, env={})
    assert isinstance(engine, DuckDBEngine)
    environ = {"DBT_TARGET": "postgres", "PATH": "/bin"}  # a previous run on another engine, same process
    apply_dbt_environment(engine, environ)
    assert environ == {"PATH": "/bin"}  # dbt's default target, unnamed (keeps the set-up's partial parse)
    assert engine.problem() is None
    with connect(tmp_path / "warehouse.duckdb") as conn, engine.raw_target(conn) as target:
        assert isinstance(target, DuckDBTarget) and target.conn is conn
        assert engine.copy_marts(conn) == {}


def test_the_relations_outside_marts_that_the_checks_read_are_found_in_the_suites():
    """An engine copies these with the marts: the freshness checks read raw tables, one consistency check
    an intermediate model."""
    from pipelines.engines.base import relations_the_checks_read  # noqa: PLC0415

    found = relations_the_checks_read()
    assert ("raw_zendesk", "tickets") in found and ("raw_github_copilot", "user_day_usage") in found
    assert ("intermediate", "int_value_chain__zendesk_tickets") in found
    assert all(schema.startswith("raw_") or schema in ("intermediate", "staging") for schema, _ in found)


def test_of_a_raw_table_only_the_columns_the_checks_name_are_copied():
    from pipelines.engines.base import columns_the_checks_read  # noqa: PLC0415

    assert columns_the_checks_read(["ticket_id", "subject", "updated_at", "_extra"]) == ["updated_at"]
    assert columns_the_checks_read(["nothing_named_here"]) == ["nothing_named_here"]
