"""Landing into a real Postgres (the postgres engine): COPY and merge by key, newest wins, one transaction a
batch with its rejects and cursor, resume from the last committed cursor, and the control warehouse's copy
of that bookkeeping."""

import datetime as dt

import psycopg2
import pytest
from postgres_testing import running_postgres

from connectors.base import Batch, Column, Reject, StreamSpec
from pipelines.engines import get_engine
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

SPEC = StreamSpec(
    source="toy",
    name="items",
    columns=(Column("id", "BIGINT"), Column("updated", "TIMESTAMP"), Column("value", "VARCHAR"), Column("tags", "JSON"),
             Column("score", "DOUBLE"), Column("day", "DATE"), Column("ok", "BOOLEAN")),
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


@pytest.fixture(scope="module")
def server():
    with running_postgres("landing") as url:
        yield url


@pytest.fixture
def landing(server, tmp_path):
    """(land(extractor, run_id), query(sql), control connection) on a fresh database."""
    from postgres_testing import create_database  # noqa: PLC0415

    url = create_database(server, f"db_{tmp_path.name.lower().replace('-', '_')[:40]}")
    engine = get_engine(tmp_path, env={"ARCHIPELAGO_POSTGRES_URL": url}, name="postgres")
    assert engine.problem() is None

    def query(sql):
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    query.url = url

    with connect(tmp_path / "warehouse.duckdb") as control:
        def land(extractor, run_id):
            with engine.raw_target(control) as target:
                return land_extractor(target, extractor, run_id)
        yield land, query, control


def rows(query):
    return query("select id, value from raw_toy.items order by id")


def test_latest_version_wins_within_and_across_batches(landing):
    land, query, _ = landing
    land(ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(1), "value": "a1"}, {"id": 2, "updated": t(1), "value": "b1"},
    ]}, state={"page": 1})]), "r1")
    land(ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(2), "value": "a2"},  # newer: replaces
        {"id": 2, "updated": t(0), "value": "b0"},  # older (an overlapping window): ignored
        {"id": 3, "updated": t(1), "value": "c1"},
        {"id": 3, "updated": t(3), "value": "c3"},  # same record twice in one batch: latest kept
    ]}, state={"page": 2})]), "r2")
    assert rows(query) == [(1, "a2"), (2, "b1"), (3, "c3")]


def test_every_column_type_travels_exactly_and_a_rerun_changes_nothing(landing):
    land, query, _ = landing
    row = {"id": 1, "updated": dt.datetime(2026, 1, 1, 1, 2, 3, 4), "value": 'a "quoted", odd\nvalue', "tags": ["x"],
           "score": 0.1 + 0.2, "day": dt.date(2026, 2, 3), "ok": False, "_extra": {"new_field": 1}}
    empty = {"id": 2, "updated": t(1), "value": ""}  # an empty string is not a null
    batch = Batch(rows={"items": [row, empty]})
    land(ListExtractor([batch]), "r1")
    land(ListExtractor([batch]), "r2")
    assert query("select id, updated, value, tags, score, day, ok, _extra, _run_id from raw_toy.items order by id") == [
        (1, row["updated"], row["value"], ["x"], 0.30000000000000004, row["day"], False, {"new_field": 1}, "r2"),
        (2, t(1), "", None, None, None, None, None, "r2"),
    ]


def test_rows_rejects_and_cursor_commit_together_and_a_failure_resumes_from_the_last_batch(landing):
    land, query, control = landing
    batches = [
        Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]}, state={"page": 1},
              rejects=[Reject("items", "id missing", {"value": "x"}, None)], unknown_fields=["surprise"]),
        Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b"}]}, state={"page": 2}),
    ]
    with pytest.raises(ConnectionError):
        land(ListExtractor(batches, fail_after=1), "r1")
    assert rows(query) == [(1, "a")]
    assert query("select state from meta.cursors") == [('{"page": 1}',)]
    assert query("select source, reason, payload from quarantine.records") == [("toy", "id missing", '{"value":"x"}')]
    # The control warehouse holds the same bookkeeping, for `archipelago status` and the quarantine-share check.
    assert control.execute("select state from meta.cursors").fetchall() == [('{"page": 1}',)]
    assert control.execute("select reason from quarantine.records").fetchall() == [("id missing",)]
    assert control.execute("select field from meta.unknown_fields").fetchall() == [("surprise",)]
    resumed = ListExtractor(batches[1:])
    land(resumed, "r2")
    assert resumed.seen_state == {"page": 1}
    assert rows(query) == [(1, "a"), (2, "b")]


def test_a_batch_that_fails_to_write_leaves_neither_rows_nor_cursor(landing):
    land, query, control = landing
    good = Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]}, state={"page": 1})
    bad = Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b", "score": "not a number"}]}, state={"page": 2})
    with pytest.raises(Exception):  # noqa: B017  (Arrow refuses the value; which error is Arrow's business)
        land(ListExtractor([good, bad]), "r1")
    assert rows(query) == [(1, "a")]
    assert query("select state from meta.cursors") == [('{"page": 1}',)]


def test_a_new_column_in_a_newer_connector_version_is_added(landing):
    land, query, _ = landing
    land(ListExtractor([Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]})]), "r1")
    wider = StreamSpec("toy", "items", (*SPEC.columns, Column("extra_score", "DOUBLE")), ("id",), "updated")

    class Wider(ListExtractor):
        specs = (wider,)

    land(Wider([Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b", "extra_score": 0.5}]})]), "r2")
    assert query("select id, extra_score from raw_toy.items order by id") == [(1, None), (2, 0.5)]


def test_an_unreachable_server_is_one_line_naming_the_setting(tmp_path):
    engine = get_engine(tmp_path, env={"ARCHIPELAGO_ENGINE": "postgres",
                                       "ARCHIPELAGO_POSTGRES_URL": "postgresql://someone:secret@127.0.0.1:9/nothing"})
    problem = engine.problem()
    assert problem.startswith("ARCHIPELAGO_POSTGRES_URL=postgresql://someone:***@127.0.0.1:9/nothing is unreachable")
    assert "secret" not in problem and "\n" not in problem
    assert "needs ARCHIPELAGO_POSTGRES_URL" in get_engine(tmp_path, env={}, name="postgres").problem()


def test_the_database_remembers_its_pseudonym_key_and_refuses_another(landing, tmp_path):
    from pipelines.warehouse import KeyMismatchError  # noqa: PLC0415

    land, query, control = landing
    engine_env = {"ARCHIPELAGO_POSTGRES_URL": query.url}
    with get_engine(tmp_path, env=engine_env, name="postgres").raw_target(control) as target:
        target.check_key("fingerprint-a")
        target.check_key("fingerprint-a")
    # A new home (a re-keyed control warehouse) on the same database: the database still says no.
    with connect(tmp_path / "other.duckdb") as fresh, \
            get_engine(tmp_path, env=engine_env, name="postgres").raw_target(fresh) as target, \
            pytest.raises(KeyMismatchError, match="ARCHIPELAGO_POSTGRES_URL at a new, empty database"):
        target.check_key("fingerprint-b")
    assert query("select fingerprint from meta.pseudonym_key") == [("fingerprint-a",)]
