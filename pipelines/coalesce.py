"""Coalesce consecutive batches of one extractor into fewer, larger transactions.

A connector yields a batch per page or two (Zendesk: ~2,000 rows, 1,000 batches for a large tenant).
Landing each as its own transaction pays a commit (an fsync) and a merge whose joins scan the whole
raw table, once per batch. Landing several batches as one costs the same fixed price once: measured on
the captured batches of Jira, Zendesk and GitHub at 2,000 employees, eight batches per transaction
halved the landing's CPU.

What a group keeps, so that landing it equals landing its batches one after another:

- the rows of the same table from different batches never share a key with different values: a
  batch repeating a key of an earlier batch in the group with another row starts a new group (the
  later version must be merged after the earlier one, by the rule between batches, which the rule
  within a batch does not reproduce when updated values are missing). A repeat of the very same row
  (Jira sends the people of a page with every page) changes nothing and is left out of the group;
- the cursor is the last batch's state (None when no batch moved it), committed with every row it
  covers; rejects and unknown field names are the batches' together;
- a group ends at `max_rows` rows or `max_seconds` after its first batch, so a run killed mid-way
  refetches at most that much, and an error in the source lands the group fetched before it first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from connectors.base import Batch, StreamSpec

MAX_ROWS = 50_000
MAX_SECONDS = 5.0


def _key_function(spec: StreamSpec):
    """A row's primary key: the value itself for a one-column key, else a tuple (None where absent)."""
    names = spec.primary_key
    fast = itemgetter(*names)

    def key(row):
        try:
            return fast(row)
        except KeyError:  # a row without a key column: the merge compares it as null
            return row.get(names[0]) if len(names) == 1 else tuple(row.get(n) for n in names)

    return key


_AMBIGUOUS = object()  # a key its own batch repeats with another row: the merge decides which wins


@dataclass
class Group:
    """Batches landed as one transaction."""

    batches: list[Batch] = field(default_factory=list)  # as the extractor yielded them
    parts: list[Batch] = field(default_factory=list)  # the same, less rows an earlier batch repeated
    rows_by_key: dict[str, dict[Any, Any]] = field(default_factory=dict)  # table -> key -> row
    rows: int = 0
    started: float = 0.0

    def batch(self) -> Batch:
        """The group as one batch (the batch itself when it is alone)."""
        if len(self.batches) == 1:
            return self.batches[0]
        merged = Batch()
        for batch in self.parts:
            for name, rows in batch.rows.items():
                merged.rows.setdefault(name, []).extend(rows)
            merged.rejects.extend(batch.rejects)
            merged.unknown_fields += [n for n in batch.unknown_fields if n not in merged.unknown_fields]
            if batch.state is not None:
                merged.state = batch.state
        return merged


def coalesce(batches: Iterable[Batch], specs: Iterable[StreamSpec], *, max_rows: int = MAX_ROWS,
             max_seconds: float = MAX_SECONDS) -> Iterator[Group]:
    """Yield groups of consecutive `batches` (in order, none skipped) to land one transaction each.

    An exception from `batches` is raised after the group fetched before it has been yielded.
    """
    key_of = {spec.name: _key_function(spec) for spec in specs}
    group = Group()

    def rows_by_key(batch: Batch) -> dict[str, dict[Any, Any]]:
        # Rows of a table the extractor did not declare are refused by the landing, not here.
        found: dict[str, dict[Any, Any]] = {}
        for name, rows in batch.rows.items():
            if rows and name in key_of:
                keyed = found[name] = {}
                key = key_of[name]
                for row in rows:
                    k = key(row)
                    held = keyed.get(k)
                    keyed[k] = row if held is None or held == row else _AMBIGUOUS
        return found

    def repeats(keyed: dict[str, dict[Any, Any]]) -> dict[str, set[Any]] | None:
        """Keys of `keyed` the group holds with the very same row; None when one differs."""
        same: dict[str, set[Any]] = {}
        for name, rows in keyed.items():
            held = group.rows_by_key.get(name)
            if not held:
                continue
            for k in held.keys() & rows.keys():
                row = rows[k]
                if row is _AMBIGUOUS or held[k] is _AMBIGUOUS or held[k] != row:
                    return None
                same.setdefault(name, set()).add(k)
        return same

    def without(batch: Batch, same: dict[str, set[Any]]) -> Batch:
        if not same:
            return batch
        rows = {name: [row for row in found if key_of[name](row) not in same[name]] if name in same else found
                for name, found in batch.rows.items()}
        return Batch(rows=rows, rejects=batch.rejects, state=batch.state, unknown_fields=batch.unknown_fields)

    try:
        for batch in batches:
            if not group.batches and batch.row_count >= max_rows:  # big enough alone: no keys to collect
                yield Group([batch], [batch], rows=batch.row_count)
                continue
            keyed = rows_by_key(batch) if batch.row_count else {}
            same = repeats(keyed) if group.batches else {}
            if same is None:
                yield group
                group, same = Group(), {}
            if not group.batches:
                group.started = time.monotonic()
            group.batches.append(batch)
            group.parts.append(without(batch, same))
            group.rows += batch.row_count
            for name, rows in keyed.items():
                group.rows_by_key.setdefault(name, {}).update(rows)
            if group.rows >= max_rows or time.monotonic() - group.started >= max_seconds:
                yield group
                group = Group()
    except Exception:
        if group.batches:  # what was fetched before the failure still lands, cursor and all
            yield group
        raise
    if group.batches:
        yield group
