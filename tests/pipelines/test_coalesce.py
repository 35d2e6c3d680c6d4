"""Grouping consecutive batches into one transaction: order, limits, repeated keys, source errors."""

import pytest

from connectors.base import Batch, Column, Reject, StreamSpec
from pipelines.coalesce import coalesce

SPEC = StreamSpec("toy", "items", (Column("id", "BIGINT"), Column("v", "VARCHAR")), ("id",))
PAIR = StreamSpec("toy", "pairs", (Column("a", "BIGINT"), Column("b", "BIGINT")), ("a", "b"))


def batch(*ids, state=None, table="items", v=""):
    rows = [{"id": i, "v": f"{i}{v}"} for i in ids] if table == "items" else [{"a": a, "b": b, "v": v} for a, b in ids]
    return Batch(rows={table: rows}, state=state)


def groups(batches, **limits):
    return [[b.state for b in g.batches] for g in coalesce(batches, (SPEC, PAIR), **limits)]


def test_batches_group_until_the_row_limit_in_order():
    batches = [batch(2 * i, 2 * i + 1, state=i) for i in range(5)]
    assert groups(batches, max_rows=4) == [[0, 1], [2, 3], [4]]


def test_a_batch_at_the_limit_lands_alone():
    assert groups([batch(*range(10), state=1), batch(11, state=2)], max_rows=5) == [[1], [2]]


def test_a_key_repeated_with_another_row_starts_a_new_group():
    assert groups([batch(1, state=1), batch(2, state=2), batch(1, state=3, v="'"), batch(4, state=4)]) == [
        [1, 2], [3, 4]]
    pairs = [batch((1, 1), state=1, table="pairs"), batch((1, 2), state=2, table="pairs"),
             batch((1, 1), state=3, table="pairs", v="'")]
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


def test_a_repeat_of_the_same_row_joins_the_group_and_is_left_out_of_it():
    first, second = batch(1, 2, state=1), batch(2, 3, state=2)  # row 2 again, the very same
    (group,) = coalesce([first, second], (SPEC,))
    assert [r["id"] for r in group.batch().rows["items"]] == [1, 2, 3]
    assert group.batches == [first, second]  # as yielded: counted and, on a failed write, landed alone


def test_a_key_its_own_batch_repeats_starts_a_new_group_when_a_later_batch_repeats_it():
    twice = Batch(rows={"items": [{"id": 1, "v": "a"}, {"id": 1, "v": "b"}]}, state=1)
    assert groups([twice, batch(1, state=2)]) == [[1], [2]]


def test_a_row_its_own_batch_repeats_unchanged_may_be_repeated_by_a_later_batch():
    twice = Batch(rows={"items": [{"id": 1, "v": "1"}, {"id": 1, "v": "1"}]}, state=1)
    assert groups([twice, batch(1, 2, state=2)]) == [[1, 2]]


def test_a_row_without_its_key_column_is_keyed_as_null():
    assert groups([Batch(rows={"items": [{"v": "x"}]}, state=1), Batch(rows={"items": [{"v": "y"}]}, state=2)]) == [
        [1], [2]]
