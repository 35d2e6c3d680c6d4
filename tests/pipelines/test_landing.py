"""Landing into a real DuckDB file: merge by key, latest wins, atomic batches, quarantine."""

import datetime as dt

import pytest

from connectors.base import Batch, Column, Reject, StreamSpec
from pipelines.landing import land_extractor, read_cursor
from pipelines.warehouse import connect

SPEC = StreamSpec(
    source="toy",
    name="items",
    columns=(Column("id", "BIGINT"), Column("updated", "TIMESTAMP"), Column("value", "VARCHAR"), Column("tags", "JSON")),
    primary_key=("id",),
    updated_column="updated",
)


def t(hour: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, hour)


class ListExtractor:
    source, name, specs = "toy", "items", (SPEC,)

    def __init__(self, batches, fail_after=None):
        self._batches, self.fail_after, self.seen_state = batches, fail_after, "unset"

    def batches(self, state):
        self.seen_state = state
        for i, batch in enumerate(self._batches):
            if self.fail_after is not None and i == self.fail_after:
                raise ConnectionError("source went away")
            yield batch


def rows(conn):
    return conn.execute("select id, value from raw_toy.items order by id").fetchall()


@pytest.fixture
def conn(tmp_path):
    with connect(tmp_path / "w.duckdb") as c:
        yield c


def test_latest_version_wins_and_older_versions_change_nothing(conn):
    land_extractor(conn, ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(1), "value": "a1"}, {"id": 2, "updated": t(1), "value": "b1"},
    ]}, state={"page": 1})]), "r1")
    land_extractor(conn, ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(2), "value": "a2"},  # newer: replaces
        {"id": 2, "updated": t(0), "value": "b0"},  # older (an overlapping window): ignored
        {"id": 3, "updated": t(1), "value": "c1"},
        {"id": 3, "updated": t(3), "value": "c3"},  # same record twice in one batch: latest kept
    ]}, state={"page": 2})]), "r2")
    assert rows(conn) == [(1, "a2"), (2, "b1"), (3, "c3")]


def test_rerun_of_the_same_batches_is_idempotent(conn):
    batch = Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a", "tags": ["x"], "_extra": {"new_field": 1}}]})
    land_extractor(conn, ListExtractor([batch]), "r1")
    land_extractor(conn, ListExtractor([batch]), "r2")
    assert conn.execute("select count(*), any_value(_extra), any_value(tags) from raw_toy.items").fetchone() == (
        1, '{"new_field":1}', '["x"]')


def test_cursor_commits_with_its_rows_and_a_failure_keeps_earlier_batches(conn):
    batches = [
        Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]}, state={"page": 1}),
        Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b"}]}, state={"page": 2}),
    ]
    with pytest.raises(ConnectionError):
        land_extractor(conn, ListExtractor(batches, fail_after=1), "r1")
    assert rows(conn) == [(1, "a")]
    assert read_cursor(conn, "toy", "items") == {"page": 1}
    resumed = ListExtractor(batches[1:])
    land_extractor(conn, resumed, "r2")
    assert resumed.seen_state == {"page": 1}
    assert rows(conn) == [(1, "a"), (2, "b")]


def test_a_batch_that_fails_to_write_leaves_neither_rows_nor_cursor(conn):
    good = Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]}, state={"page": 1})
    bad = Batch(rows={"items": [{"id": 2, "updated": "not a timestamp", "value": "b"}]}, state={"page": 2})
    with pytest.raises(Exception):  # noqa: B017  (Arrow refuses the value; which error is Arrow's business)
        land_extractor(conn, ListExtractor([good, bad]), "r1")
    assert rows(conn) == [(1, "a")]
    assert read_cursor(conn, "toy", "items") == {"page": 1}


def test_rejects_go_to_quarantine_with_their_reason(conn):
    batch = Batch(rows={"items": []}, rejects=[Reject("items", "id missing", {"value": "x"}, None)], state={"p": 1})
    report = land_extractor(conn, ListExtractor([batch]), "r1")
    assert report.rejects == 1 and report.reject_reasons == {"id missing": 1}
    assert conn.execute("select source, stream, reason, payload from quarantine.records").fetchall() == [
        ("toy", "items", "id missing", '{"value":"x"}')]


def test_a_new_column_in_a_newer_connector_version_is_added(conn):
    land_extractor(conn, ListExtractor([Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]})]), "r1")
    wider = StreamSpec("toy", "items", (*SPEC.columns, Column("score", "DOUBLE")), ("id",), "updated")

    class Wider(ListExtractor):
        specs = (wider,)

    land_extractor(conn, Wider([Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b", "score": 0.5}]})]), "r2")
    assert conn.execute("select id, score from raw_toy.items order by id").fetchall() == [(1, None), (2, 0.5)]


def test_a_batch_updating_stored_keys_replaces_only_older_versions(conn):
    land_extractor(conn, ListExtractor([Batch(rows={"items": [
        {"id": i, "updated": t(2), "value": f"v{i}"} for i in range(1, 5)]})]), "r1")
    land_extractor(conn, ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(3), "value": "newer"},
        {"id": 2, "updated": t(2), "value": "same time"},  # equal: the later landing wins
        {"id": 3, "updated": t(1), "value": "older"},
        {"id": 9, "updated": t(1), "value": "new key"},
    ]})]), "r2")
    assert rows(conn) == [(1, "newer"), (2, "same time"), (3, "v3"), (4, "v4"), (9, "new key")]


def test_a_batch_repeating_a_key_lands_its_newest_version_once(conn):
    land_extractor(conn, ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(1), "value": "a1"}, {"id": 1, "updated": t(5), "value": "a5"},
        {"id": 1, "updated": t(3), "value": "a3"}, {"id": 2, "updated": t(1), "value": "b1"},
    ]})]), "r1")
    assert rows(conn) == [(1, "a5"), (2, "b1")]


def _spy(conn):
    """Count the transactions landing commits (one per batch or per coalesced group)."""
    commits = []
    real = conn.commit

    class Spy:
        def __getattr__(self, name):
            return getattr(conn, name)

        def commit(self):
            commits.append(1)
            return real()

    return Spy(), commits


def test_consecutive_batches_land_in_one_transaction_with_the_last_cursor(conn):
    spy, commits = _spy(conn)
    batches = [Batch(rows={"items": [{"id": i, "updated": t(1), "value": f"v{i}"}]},
                     rejects=[Reject("items", "bad", {"n": i})] if i == 2 else [], state={"page": i})
               for i in range(1, 6)]
    from pipelines.landing import DuckDBTarget  # noqa: PLC0415

    report = land_extractor(DuckDBTarget(spy), ListExtractor(batches), "r1")
    assert len(commits) == 1 and report.batches == 5 and report.rows == 5 and report.rejects == 1
    assert read_cursor(conn, "toy", "items") == {"page": 5}
    assert len(rows(conn)) == 5
    assert conn.execute("select count(*) from quarantine.records").fetchone()[0] == 1


def test_a_key_repeated_by_a_later_batch_is_merged_after_the_earlier_one(conn):
    # The rule between batches (an incoming row without an updated value replaces the stored one) is
    # not the rule within a batch (nulls last): the later batch must land after the earlier one.
    land_extractor(conn, ListExtractor([
        Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a1"}]}, state={"page": 1}),
        Batch(rows={"items": [{"id": 1, "updated": None, "value": "a-undated"}]}, state={"page": 2}),
        Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b1"}]}, state={"page": 3}),
    ]), "r1")
    assert rows(conn) == [(1, "a-undated"), (2, "b1")]
    assert read_cursor(conn, "toy", "items") == {"page": 3}


def test_a_group_failing_to_write_still_commits_the_batches_before_the_bad_one(conn):
    batches = [Batch(rows={"items": [{"id": i, "updated": t(1), "value": f"v{i}"}]}, state={"page": i})
               for i in (1, 2)]
    bad = Batch(rows={"items": [{"id": 3, "updated": "not a timestamp", "value": "c"}]}, state={"page": 3})
    with pytest.raises(Exception):  # noqa: B017  (Arrow refuses the value)
        land_extractor(conn, ListExtractor([*batches, bad]), "r1")
    assert rows(conn) == [(1, "v1"), (2, "v2")]
    assert read_cursor(conn, "toy", "items") == {"page": 2}
