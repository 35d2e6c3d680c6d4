"""The warehouse engine a run uses: `ARCHIPELAGO_ENGINE` (or `--engine`), duckdb by default.

    engine = get_engine(home)            # the configured engine, ConfigError (one line) when unknown
    with engine.raw_target(control) as target:
        land_extractor(target, extractor, run_id)
    apply_dbt_environment(engine, os.environ)     # before dbt runs: its target
    engine.copy_marts(control)                    # after dbt, before the checks

An engine is a subclass of `pipelines.engines.base.Engine` in its own module, listed in `ENGINES`
(imported only when chosen: an engine's client libraries cost nothing to the others).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path

from connectors.errors import ConfigError
from pipelines.engines.base import DEFAULT_ENGINE, ENGINE_VARIABLE, Engine, RawTarget, apply_dbt_environment

__all__ = ["DEFAULT_ENGINE", "ENGINES", "ENGINE_VARIABLE", "Engine", "RawTarget", "apply_dbt_environment", "engine_name",
           "get_engine"]

# Engine name -> "module:class".
ENGINES = {
    "duckdb": "pipelines.engines.duckdb:DuckDBEngine",
    "postgres": "pipelines.engines.postgres:PostgresEngine",
    "spark": "pipelines.engines.spark:SparkEngine",
}


def engine_name(value: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """`value`, else ARCHIPELAGO_ENGINE, else duckdb; ConfigError (one line) when it names no engine."""
    env = os.environ if env is None else env
    origin = "--engine" if value is not None else ENGINE_VARIABLE
    name = (value if value is not None else env.get(ENGINE_VARIABLE, "")).strip().lower() or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ConfigError(f"{origin} {name!r} is not an engine: use one of {', '.join(ENGINES)} "
                          "(duckdb when unset).")
    return name


def get_engine(home: Path, env: Mapping[str, str] | None = None, name: str | None = None) -> Engine:
    """The engine `name` (default: from the environment) for the installation at `home`."""
    env = os.environ if env is None else env
    name = engine_name(name, env)
    module_name, class_name = ENGINES[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise ConfigError(f"the {name} engine needs the Python package {exc.name!r}, which is not installed: "
                              "run `make setup` (or `uv sync`).") from None
        raise ConfigError(f"the {name} engine is not available in this version of Archipelago; "
                          f"set {ENGINE_VARIABLE} to one of {', '.join(n for n in ENGINES if n != name)}.") from None
    return getattr(module, class_name)(home, env)
