"""The contract between connectors and the landing step.

A connector is an `Extractor`: given the cursor state it last committed, it yields `Batch`es.
Each batch carries parsed rows for one or more raw tables (`StreamSpec`s), the records it rejected
(`Reject`s, which go to quarantine) and the cursor `state` that covers exactly those rows. The
landing step writes a batch's rows, rejects and state in one transaction, so a run killed at any
point resumes from the last committed batch without loss or duplicates.

Rows are plain dicts keyed by the spec's column names. Values are Python scalars: str, int,
float, bool, `datetime.date`, naive UTC `datetime.datetime`, or None. A row may carry `_extra`:
the undeclared fields the source's allow-list names (`connectors.undeclared`); other undeclared
fields are dropped and their names listed in `Batch.unknown_fields`. People are already pseudonymised (see `connectors.privacy`): no e-mail, name or vendor user id in a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

# DuckDB column types a spec may use; the landing step maps them to Arrow types.
COLUMN_TYPES = frozenset({"VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "JSON"})


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {sorted(COLUMN_TYPES)}")


@dataclass(frozen=True)
class StreamSpec:
    """One raw table: `raw_<source>.<name>`."""

    source: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    # Latest version wins on merge: the row with the greater value here replaces the stored one.
    # None means every incoming row replaces the stored row with its key.
    updated_column: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        missing = [k for k in (*self.primary_key, *([self.updated_column] if self.updated_column else [])) if k not in names]
        if missing:
            raise ValueError(f"{self.table}: key columns {missing} are not among its columns")

    @property
    def schema(self) -> str:
        return f"raw_{self.source}"

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass
class Reject:
    """A record that broke its source's contract. `payload` must already be scrubbed of PII."""

    stream: str
    reason: str
    payload: Any
    record_id: str | None = None


@dataclass
class Batch:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # stream name -> rows
    rejects: list[Reject] = field(default_factory=list)
    state: dict[str, Any] | None = None  # cursor after this batch; None keeps the previous one
    # Names (never values) of fields the source sent but the connector does not declare, and dropped:
    # listed in the run log and `archipelago status` so a user can allow-list them on purpose.
    unknown_fields: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values())


class Extractor(Protocol):
    """Reads one source (or one part of it) incrementally."""

    source: str  # e.g. "jira" -> schema raw_jira
    name: str  # cursor key within the source, e.g. "issues"
    specs: tuple[StreamSpec, ...]  # every raw table its batches may fill

    def batches(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        """Yield batches from `state` (None: first run, full load) onwards."""
        ...
