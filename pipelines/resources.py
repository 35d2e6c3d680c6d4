"""Dagster resources, configured from the environment by `EnvVar` in `pipelines.definitions`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import dagster as dg
import duckdb

from connectors.privacy import KEY_VARIABLE, Pseudonymiser
from pipelines import warehouse
from pipelines.engines import DEFAULT_ENGINE, Engine, RawTarget, get_engine


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB warehouse and the published directory, both under ARCHIPELAGO_HOME, and the
    engine that holds the raw tables and builds the models (pipelines.engines)."""

    home: str
    # duckdb | postgres | spark; unset: ARCHIPELAGO_ENGINE, else duckdb (an EnvVar works too).
    engine: str | None = None

    @property
    def home_path(self) -> Path:
        path = Path(self.home).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def path(self) -> Path:
        return warehouse.warehouse_path(self.home_path)

    @property
    def published_dir(self) -> Path:
        return warehouse.published_dir(self.home_path)

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.path, read_only=read_only) as conn:
            yield conn

    def get_engine(self) -> Engine:
        return get_engine(self.home_path, name=self.engine)

    @contextlib.contextmanager
    def raw_target(self, conn: duckdb.DuckDBPyConnection) -> Iterator[RawTarget]:
        """Where raw tables land on this run's engine; `conn` is the open control warehouse."""
        with self.get_engine().raw_target(conn) as target:
            yield target

    def copy_marts(self) -> dict[str, int]:
        """After dbt: the engine's marts into the control warehouse, where they are checked and published."""
        engine = self.get_engine()
        if engine.name == DEFAULT_ENGINE:
            return {}  # dbt built them there: do not even open the file
        with self.connect() as conn:
            return engine.copy_marts(conn)


class SourcesResource(dg.ConfigurableResource):
    """What every connector needs besides its own variables: the pseudonymisation key."""

    pseudonym_key: str

    def pseudonymiser(self) -> Pseudonymiser:
        return Pseudonymiser(self.pseudonym_key)

    def environment(self) -> Mapping[str, str]:
        """The source variables (base URLs, credentials, file paths) as the process sees them."""
        return dict(os.environ)


def default_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(home=dg.EnvVar(warehouse.HOME_VARIABLE)),
        "sources": SourcesResource(pseudonym_key=dg.EnvVar(KEY_VARIABLE)),
    }
