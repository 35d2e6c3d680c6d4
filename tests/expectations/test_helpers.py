"""Each suite helper of expectations/spec.py on a tiny table: one that passes, one that fails."""

import datetime as dt
import types

import duckdb
import pytest

from expectations.spec import (
    BLOCKING,
    WARNING,
    SuiteContext,
    consistency_sql,
    department_in_dimension,
    freshness_sql,
    grain_unique_sql,
    keys_not_null_sql,
    rate_between,
    rate_between_sql,
    referential_integrity_sql,
    volume_expectation,
    volume_sql,
)
from pipelines.quality import run_sql_expectations, run_suite, suite_context

CTX = SuiteContext(privacy_k=5, department_ids=frozenset({"eng", "ops"}), today=dt.date(2026, 11, 1))


@pytest.fixture()
def conn():
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute("create table marts.dim_department as select * from (values ('eng'), ('ops')) t(department_id)")
    conn.execute(
        """create table marts.good (week date, department_id varchar, rate double, n integer, score double,
                                    is_suppressed boolean)""")
    conn.execute(
        """insert into marts.good values
            (date '2026-10-05', 'eng', 0.25, 12, 12.0, false),
            (date '2026-10-05', 'ops', 1.0, 7, 7.0, false),
            (date '2026-10-12', 'eng', 0.0, 3, null, true)"""
    )
    yield conn
    conn.close()


def _one(conn, check, relation="marts.good"):
    [outcome] = run_sql_expectations(conn, relation.split(".")[1], relation, [check])
    return outcome


def _bad(conn, sql):
    conn.execute("create or replace table marts.bad as select * from marts.good")
    conn.execute(sql)
    return "marts.bad"


def test_grain_unique_sql(conn):
    check = grain_unique_sql(["week", "department_id"])
    assert _one(conn, check).success
    bad = _bad(conn, "insert into marts.bad select * from marts.good limit 1")
    outcome = _one(conn, check, bad)
    assert not outcome.success and outcome.severity == BLOCKING
    assert outcome.observed_value.startswith("1 duplicated grain keys") and "2026-10-05|eng x2" in outcome.observed_value
    assert outcome.expectation == "grain: week x department_id unique"


def test_keys_not_null_sql(conn):
    check = keys_not_null_sql(["week", "department_id"])
    assert _one(conn, check).success
    outcome = _one(conn, check, _bad(conn, "update marts.bad set department_id = null where n = 3"))
    assert not outcome.success and outcome.observed_value == "week: 0, department_id: 1"


def test_rate_between_sql(conn):
    check = rate_between_sql("rate", 0, 1)
    assert _one(conn, check).success
    outcome = _one(conn, check, _bad(conn, "update marts.bad set rate = 1.7 where n = 7"))
    assert not outcome.success and outcome.observed_value == "1 rows outside (min 0.0, max 1.7)"


def test_rate_between_with_great_expectations(conn):
    suite = types.SimpleNamespace(expectations=lambda ctx: [rate_between("rate", 0, 1, severity=WARNING)])
    [ok] = run_suite(conn, "t.good", "marts.good", suite, CTX)
    assert ok.success and ok.expectation == "range: rate between 0 and 1"
    [failed] = run_suite(conn, "t.bad", _bad(conn, "update marts.bad set rate = -0.5 where n = 7"), suite, CTX)
    assert not failed.success and failed.severity == WARNING and "-0.5" in failed.observed_value


def test_referential_integrity_sql(conn):
    check = referential_integrity_sql("department_id")
    assert _one(conn, check).success
    outcome = _one(conn, check, _bad(conn, "update marts.bad set department_id = 'ghost' where n = 7"))
    assert not outcome.success and outcome.observed_value == "1 unknown values, e.g. ghost"


def test_department_in_dimension_with_great_expectations(conn):
    suite = types.SimpleNamespace(expectations=lambda ctx: [department_in_dimension("department_id", ctx)])
    assert run_suite(conn, "t.good", "marts.good", suite, CTX)[0].success
    bad = _bad(conn, "update marts.bad set department_id = 'ghost' where n = 7")
    [failed] = run_suite(conn, "t.bad", bad, suite, CTX)
    assert not failed.success and "ghost" in failed.observed_value


def test_volume_sql(conn):
    assert _one(conn, volume_sql(SuiteContext())).success  # never published: not empty
    assert not _one(conn, volume_sql(SuiteContext()), _bad(conn, "delete from marts.bad")).success
    band = SuiteContext(previous_row_count=10, volume_min_ratio=0.5, volume_max_ratio=2.0)
    outcome = _one(conn, volume_sql(band))
    assert not outcome.success and outcome.observed_value == "3 rows" and "10 rows" in outcome.expectation
    assert _one(conn, volume_sql(SuiteContext(previous_row_count=4))).success


def test_volume_band_follows_the_calendar(conn, tmp_path):
    """A gap between refreshes adds its periods' rows; rows per period out of band still fail."""
    published = tmp_path / "marts.duckdb"
    departments = "(values ('eng'), ('ops'), ('hr'), ('fin')) t(department_id)"
    with duckdb.connect(str(published)) as pub:  # last publication: 4 rows over one day
        pub.execute("create schema adoption")
        pub.execute(f"create table adoption.daily as select date '2026-10-01' as usage_date, * from {departments}")

    def volume(where="true"):
        conn.execute(f"create or replace table marts.daily as select date '2026-10-01' + cast(i as integer) as usage_date, "
                     f"department_id from range(13) r(i), {departments} where {where}")
        return _one(conn, volume_sql(suite_context(conn, published, "adoption.daily", "marts.daily")), "marts.daily")

    ctx = (volume(), suite_context(conn, published, "adoption.daily", "marts.daily"))[1]
    assert (ctx.previous_period_count, ctx.period_count) == (1, 13)
    assert volume().success  # 12 days later: 52 rows over 13 days, 4 a day as before
    assert not _one(conn, volume_sql(SuiteContext(previous_row_count=4)), "marts.daily").success  # a fixed band fails
    assert not volume("department_id = 'eng'").success  # shrank to 1 row a day
    volume()
    conn.execute("insert into marts.daily select usage_date, department_id || i from marts.daily, range(2) r(i)")
    exploded = _one(conn, volume_sql(suite_context(conn, published, "adoption.daily", "marts.daily")), "marts.daily")
    assert not exploded.success and "now 13" in exploded.expectation  # 12 rows a day where there were 4
    lost_history = SuiteContext(previous_row_count=40, previous_period_count=10, period_count=2)
    assert lost_history.calendar_growth == 1.0  # periods that vanished do not lower the band


def test_freshness_sql(conn):
    assert _one(conn, freshness_sql("week", CTX, max_delay_days=30)).success
    outcome = _one(conn, freshness_sql("week", CTX, max_delay_days=7))
    assert not outcome.success and outcome.observed_value == "latest 2026-10-12"
    assert "2026-10-25" in outcome.expectation


def test_consistency_sql(conn):
    same = consistency_sql("n twice", "(select sum(n) from {marts}.good)", "(select 22)")
    assert _one(conn, same).success
    differs = consistency_sql("n twice", "(select sum(n) from {marts}.good)", "(select 21.5)", tolerance=0.1)
    outcome = _one(conn, differs)
    assert not outcome.success and outcome.observed_value == "22 vs 21.5"


def test_a_broken_sql_expectation_fails_with_the_error(conn):
    outcome = _one(conn, grain_unique_sql(["no_such_column"]))
    assert not outcome.success and outcome.observed_value.startswith("query failed")


def test_periodic_suite_validates_recent_periods_but_counts_the_whole_table(conn, monkeypatch):
    monkeypatch.setenv("ARCHIPELAGO_VALIDATE_RECENT_DAYS", "3")
    conn.execute("insert into marts.good values (date '2026-01-05', 'eng', 5.0, 9, 9.0, false)")  # old, out of range
    suite = types.SimpleNamespace(
        PERIOD_COLUMN="week",
        expectations=lambda ctx: [rate_between("rate"), *volume_expectation(SuiteContext(previous_row_count=4))],
    )
    rate, volume = run_suite(conn, "t.good", "marts.good", suite, CTX)
    # GX saw only the latest week (the old bad rate was validated when it was new); the volume saw 4 rows
    assert rate.success and rate.details["rows_validated"] == 1
    assert volume.success and volume.observed_value == "4 rows" and volume.details["engine"] == "duckdb"
    monkeypatch.setenv("ARCHIPELAGO_VALIDATE_RECENT_DAYS", "0")  # 0: every row
    rate, _ = run_suite(conn, "t.good", "marts.good", suite, CTX)
    assert not rate.success and rate.details["rows_validated"] == 4
