"""Dagster resources, configured from the environment by `EnvVar` in `pipelines.definitions`."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import dagster as dg
import duckdb

from connectors.privacy import KEY_VARIABLE, Pseudonymiser
from pipelines import warehouse
from pipelines.engines import DEFAULT_ENGINE, Engine, RawTarget, get_engine


class _WarehouseHold:
    """Keeps the warehouse's DuckDB database open between the steps of a run in this process.

    Each step opens the warehouse and closes it again. Closing the last connection checkpoints the
    file (the WAL is written into it and synced), and opening it again reads the catalogue: ~50 ms of
    CPU and, on a busy disk, ~0.35 s of wall time per step, some 60 times a refresh. While a hold is
    on, one idle connection keeps DuckDB's database instance alive, so a step's own connection opens
    on that instance and its close does not checkpoint. Each transaction still commits durably (WAL).
    The hold is let go before another process opens the file (the dbt subprocess) and at the end of
    the run; only the command line turns it on (`held_open`), as it runs one job at a time under the
    home's run lock: runs started by the daemon, which may overlap, open and close per step as before.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.anchors: dict[Path, duckdb.DuckDBPyConnection] = {}
        self.lock = threading.Lock()

    def hold(self, path: Path) -> None:
        with self.lock:
            if self.enabled and path not in self.anchors:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.anchors[path] = duckdb.connect(str(path))

    def release(self) -> None:
        with self.lock:
            anchors, self.anchors = self.anchors, {}
        for anchor in anchors.values():
            anchor.close()


_HOLD = _WarehouseHold()


@contextlib.contextmanager
def warehouse_held_open() -> Iterator[None]:
    """Within this block, the steps run in this process keep the warehouse open between them (see
    `_WarehouseHold`); it is closed (and checkpointed) on the way out."""
    _HOLD.enabled = True
    try:
        yield
    finally:
        _HOLD.enabled = False
        _HOLD.release()


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
        if not read_only:
            _HOLD.hold(self.path)
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

    def release_for_another_process(self) -> None:
        """Close the database this process holds open between steps, so that another process (dbt)
        can open the file."""
        _HOLD.release()


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
