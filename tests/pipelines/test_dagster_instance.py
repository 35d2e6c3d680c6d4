"""dagster.yaml follows ARCHIPELAGO_DAGSTER_POSTGRES_URL; a bad or unreachable URL is one line naming it.
(The refresh on a real Postgres is in test_small_organisation.py.)"""

import socket

import pytest

from archipelago.cli import main
from connectors.errors import ConfigError
from pipelines.dagster_instance import (
    LEGACY_LOCAL_CONFIG,
    LOCAL_CONFIG,
    POSTGRES_CONFIG,
    POSTGRES_URL_VARIABLE,
    configure_instance,
    sqlalchemy_url,
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("given", ["postgresql://u:p@db:5432/dagster", "postgres://u:p@db:5432/dagster",
                                   "postgresql+psycopg2://u:p@db:5432/dagster"])
def test_postgres_urls_are_rewritten_for_psycopg2(given):
    assert sqlalchemy_url(given) == "postgresql+psycopg2://u:p@db:5432/dagster"


@pytest.mark.parametrize("given", ["mysql://u@db/dagster", "db:5432/dagster", "postgresql://u@db:5432"])
def test_a_malformed_url_names_the_variable(given):
    with pytest.raises(ConfigError, match=POSTGRES_URL_VARIABLE):
        sqlalchemy_url(given)


def test_unreachable_postgres_stops_the_command_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCHIPELAGO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv(POSTGRES_URL_VARIABLE, f"postgresql://someone:secret-pw@127.0.0.1:{_closed_port()}/dagster")
    monkeypatch.chdir(tmp_path)  # no developer .env
    assert main(["report"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and POSTGRES_URL_VARIABLE in err and "cannot connect" in err, err
    assert "secret-pw" not in err


def test_instance_config_follows_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(POSTGRES_URL_VARIABLE, raising=False)
    config = tmp_path / "dagster.yaml"
    config.write_text(LEGACY_LOCAL_CONFIG)  # what earlier versions wrote
    configure_instance(tmp_path)
    assert config.read_text() == LOCAL_CONFIG
    config.write_text(POSTGRES_CONFIG)  # the variable was unset since: back to SQLite under the home
    configure_instance(tmp_path)
    assert config.read_text() == LOCAL_CONFIG


def test_a_hand_written_instance_config_is_kept_but_not_contradicted(tmp_path, monkeypatch):
    monkeypatch.delenv(POSTGRES_URL_VARIABLE, raising=False)
    config = tmp_path / "dagster.yaml"
    config.write_text("run_coordinator:\n  module: dagster.core.run_coordinator\n")
    configure_instance(tmp_path)
    assert config.read_text().startswith("run_coordinator")
    monkeypatch.setenv(POSTGRES_URL_VARIABLE, "postgresql://u@db.example:5432/dagster")
    with pytest.raises(ConfigError, match=f"{POSTGRES_URL_VARIABLE} is set but .* written by hand"):
        configure_instance(tmp_path)
