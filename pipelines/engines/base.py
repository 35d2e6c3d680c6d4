"""What differs per warehouse engine, and nothing else.

An engine decides four things (docs/engines.md):

- where raw batches land: `raw_target(control)` yields a `RawTarget`, the object the landing code
  (pipelines/landing.py) and the calendar step write through. Rows, rejects, unknown field names and
  the extractor's cursor of one batch commit together in the engine (per-batch commit and resume);
- which dbt target builds the models: `dbt_environment()` (DBT_TARGET and the profile's variables);
- how the built marts reach the checks and the publication: `copy_marts(control)` copies every table of
  the engine's `marts` schema into the control warehouse, where the great-expectations suites and the
  privacy floor run and from which the publication is built (write-audit-publish is unchanged);
- whether it can run at all: `problem()`, one line naming the setting to fix, or None.

The control warehouse is the DuckDB file under ARCHIPELAGO_HOME (pipelines/warehouse.py). It always
holds the bookkeeping (`meta.*`, `quarantine.records`): `archipelago status`, `check`, the report and
the publication read it, whatever the engine. On the DuckDB engine it is the warehouse itself; on
another engine it also holds a copy of what the engine's ledger committed (for status and the
quarantine-share check) and the audited copy of the marts.
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

import duckdb

from pipelines.warehouse import transaction

if TYPE_CHECKING:
    import pyarrow as pa

    from connectors.base import Batch, Extractor, StreamSpec

ENGINE_VARIABLE = "ARCHIPELAGO_ENGINE"
DEFAULT_ENGINE = "duckdb"


class RawTarget(Protocol):
    """Where one step writes raw tables. Every method is called from one thread."""

    def ensure_tables(self, specs: Iterable[StreamSpec]) -> None:
        """Create each spec's raw table (schema `spec.schema`, name `spec.name`, the spec's columns plus
        the lineage columns of pipelines.landing), and add columns a newer connector declares."""

    def check_key(self, fingerprint: str) -> None:
        """Record the pseudonym key's fingerprint with the raw tables on first use; afterwards refuse any
        other (pipelines.warehouse.KeyMismatchError, one line): a second key would split every person."""

    def read_cursor(self, source: str, extractor: str) -> dict | None:
        """The extractor's last committed cursor state, None before its first batch."""

    def land_batch(self, extractor: Extractor, batch: Batch, run_id: str) -> None:
        """One batch as one transaction: rows merged by primary key (newest `updated_column` wins, a
        repeat within the batch too), rejects, unknown field names and the cursor, or nothing."""

    def row_count(self, spec: StreamSpec) -> int:
        """Rows in the spec's raw table now."""

    def read_table(self, schema: str, name: str) -> pa.Table | None:
        """A raw table as Arrow; None when it does not exist."""

    def replace_tables(self, schema: str, tables: Mapping[str, pa.Table]) -> None:
        """Replace whole tables (derived raw tables such as the working calendars) in one transaction."""


class Engine(ABC):
    """One warehouse engine, configured from the environment."""

    name: ClassVar[str]
    # The variables a user sets for this engine (named by errors and docs).
    settings: ClassVar[tuple[str, ...]] = ()

    def __init__(self, home: Path, env: Mapping[str, str]):
        self.home = home
        self.env = env

    def problem(self) -> str | None:
        """Why a run cannot start on this engine (one line naming the setting), or None."""
        return None

    @abstractmethod
    def dbt_environment(self) -> dict[str, str | None]:
        """Variables for the dbt subprocess: DBT_TARGET (a target of dbt_project/profiles.yml) and the
        variables that target's profile reads; None unsets a variable (`apply_dbt_environment`)."""

    @abstractmethod
    def raw_target(self, control: duckdb.DuckDBPyConnection) -> contextlib.AbstractContextManager[RawTarget]:
        """A context manager yielding where raw batches land; `control` is the open control warehouse,
        for the bookkeeping the engine mirrors there."""

    @abstractmethod
    def copy_marts(self, control: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """Copy every table of the engine's `marts` schema into `control`'s `marts` schema (replacing
        what is there, in one transaction); rows per table. Nothing to do when the engine is DuckDB."""

    def describe(self) -> str:
        """One line for the run log: the engine and where it keeps the data (never a password)."""
        return self.name


def apply_dbt_environment(engine: Engine, environ: MutableMapping[str, str]) -> None:
    """Set (or, for None, unset) the engine's dbt variables in `environ` before dbt runs."""
    for name, value in engine.dbt_environment().items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value


# Relations outside `marts` that the quality gate's SQL names (a raw table's latest activity date for a
# freshness check, an intermediate model for a consistency check), as `schema.table` in the suites.
_RELATION = re.compile(r"\b(raw_[a-z0-9_]+|intermediate|staging)\.([a-z_][a-z0-9_]*)\b")
SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"


def _suite_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in SUITES_DIR.rglob("*.py")]


def relations_the_checks_read() -> list[tuple[str, str]]:
    """(schema, table) of every non-mart relation the expectation suites name, sorted."""
    return sorted({found for text in _suite_texts() for found in _RELATION.findall(text)})


def columns_the_checks_read(columns: Iterable[str]) -> list[str]:
    """Of a non-mart relation's `columns`, those a suite names (a raw table's activity date, say): an engine
    copies only these of a raw table, not its every row's every field; all of them when none is named."""
    words = {word for text in _suite_texts() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
    columns = list(columns)
    return [c for c in columns if c in words] or columns


def replace_in_control(control: duckdb.DuckDBPyConnection, tables: Mapping[tuple[str, str], pa.Table]) -> dict[str, int]:
    """Replace the schemas of `tables` ((schema, name) -> rows) in the control warehouse with exactly
    these tables, in one transaction; rows per `schema.name`."""
    with transaction(control):
        for schema in sorted({schema for schema, _ in tables}):
            control.execute(f'drop schema if exists "{schema}" cascade')
            control.execute(f'create schema "{schema}"')
        for (schema, name), table in tables.items():
            control.register("_engine_copy", table)
            control.execute(f'create table "{schema}"."{name}" as select * from _engine_copy')
            control.unregister("_engine_copy")
    return {f"{schema}.{name}": table.num_rows for (schema, name), table in tables.items()}
