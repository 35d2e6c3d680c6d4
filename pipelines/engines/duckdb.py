"""The embedded default: the control warehouse file is the warehouse (raw tables, models, marts)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from pipelines.engines.base import Engine, RawTarget
from pipelines.landing import DuckDBTarget


class DuckDBEngine(Engine):
    name = "duckdb"

    def dbt_environment(self) -> dict[str, str | None]:
        # The profile's default target (`local`), left unnamed: dbt keeps the set-up's partial parse only
        # while the target it was given is the same, and `make setup` parses without one.
        return {"DBT_TARGET": None}

    @contextlib.contextmanager
    def raw_target(self, control: duckdb.DuckDBPyConnection) -> Iterator[RawTarget]:
        yield DuckDBTarget(control)

    def copy_marts(self, control: duckdb.DuckDBPyConnection) -> dict[str, int]:
        return {}  # dbt built them in this very file

    def describe(self) -> str:
        return "duckdb (the warehouse file under ARCHIPELAGO_HOME)"
