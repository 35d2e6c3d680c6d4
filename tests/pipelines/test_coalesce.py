"""Grouping consecutive batches into one transaction: order, limits, repeated keys, source errors."""

import pytest

from connectors.base import Batch, Column, Reject, StreamSpec
from pipelines.coalesce import coalesce

SPEC = StreamSpec("toy", "items", (Column("id", "BIGINT"), Column("v", "VARCHAR")), ("id",))
PAIR = StreamSpec("toy", "pairs", (Column("a", "BIGINT"), Column("b", "BIGINT")), ("a", "b"))


def batch(*ids, state=None, table="items"):
    rows = [{"id": i, "v": str(i)} for i in ids] if table == "items" else [{"a": a, "b": b} for a, b in ids]
    return Batch(rows={table: rows}, state=state)


def groups(batches, **limits):
    return [[b.state for b in g.batches] for g in coalesce(batches, (SPEC, PAIR), **limits)]


def test_batches_group_until_the_row_limit_in_order():
    batches = [batch(2 * i, 2 * i + 1, state=i) for i in range(5)]
    assert groups(batches, max_rows=4) == [[0, 1], [2, 3], [4]]


def test_a_batch_at_the_limit_lands_alone():
    assert groups([batch(*range(10), state=1), batch(11, state=2)], max_rows=5) == [[1], [2]]


def test_a_repeated_key_starts_a_new_group():
    assert groups([batch(1, state=1), batch(2, state=2), batch(1, state=3), batch(4, state=4)]) == [[1, 2], [3, 4]]
    pairs = [batch((1, 1), state=1, table="pairs"), batch((1, 2), state=2, table="pairs"),
             batch((1, 1), state=3, table="pairs")]
    assert groups(pairs) == [[1, 2], [3]]


def test_the_time_limit_ends_a_group():
    assert groups([batch(1, state=1), batch(2, state=2)], max_seconds=0) == [[1], [2]]


def test_the_merged_batch_has_every_row_reject_and_the_last_cursor():
    first = Batch(rows={"items": [{"id": 1}]}, rejects=[Reject("items", "x", {})], state={"p": 1}, unknown_fields=["f"])
    middle = Batch(rows={"items": [{"id": 2}]}, unknown_fields=["f", "g"])  # no cursor move
    (group,) = coalesce([first, middle], (SPEC,))
    merged = group.batch()
    assert [r["id"] for r in merged.rows["items"]] == [1, 2]
    assert len(merged.rejects) == 1 and merged.state == {"p": 1} and merged.unknown_fields == ["f", "g"]


def test_a_source_error_comes_after_the_group_fetched_before_it():
    def source():
        yield batch(1, state=1)
        yield batch(2, state=2)
        raise ConnectionError("gone")

    produced = coalesce(source(), (SPEC,))
    assert [b.state for b in next(produced).batches] == [1, 2]
    with pytest.raises(ConnectionError):
        next(produced)
