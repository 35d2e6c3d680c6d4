"""The quarantine share of a source: passing, warning and blocking, from meta.ingestion_runs and quarantine.records."""

import duckdb
import pytest

from expectations.spec import BLOCKING, WARNING
from pipelines.checks.source_checks import (
    build_source_checks,
    quarantine_check_result,
    quarantine_outcome,
    thresholds,
)
from pipelines.warehouse import initialise


@pytest.fixture()
def conn():
    conn = duckdb.connect()
    initialise(conn)
    runs = [  # run r1 landed both extractors; r2 only 'issues' again
        ("r1", "jira", "issues", "2026-11-01 01:00", 1000, 0),
        ("r1", "jira", "users", "2026-11-01 01:05", 100, 0),
        ("r2", "jira", "issues", "2026-11-02 01:00", 900, 0),
    ]
    for run_id, source, extractor, at, landed, quarantined in runs:
        conn.execute("insert into meta.ingestion_runs values (?, ?, ?, ?, ?, 'succeeded', 1, ?, ?, null)",
                     [run_id, source, extractor, at, at, landed, quarantined])
    yield conn
    conn.close()


def _quarantine(conn, run_id, count, reason="missing key"):
    conn.execute("update meta.ingestion_runs set rows_quarantined = ? where run_id = ? and extractor = 'issues'", [count, run_id])
    conn.execute("insert into quarantine.records select 'jira', 'issues', i::varchar, ?, null, ?, now()::timestamp "
                 "from range(?) t(i)", [reason, run_id, count])


def test_a_clean_landing_passes(conn):
    outcome = quarantine_outcome(conn, "r2", "jira", "raw_jira.issues", ["issues", "users"])
    assert outcome.success and outcome.severity == BLOCKING
    # r2's issues with r1's users (the latest landing of an extractor that did not run in r2)
    assert outcome.details["rows_landed"] == 1000 and outcome.observed_value.startswith("0.0000 (0 quarantined of 1000")
    assert quarantine_check_result(outcome).passed


def test_a_share_between_the_thresholds_warns(conn):
    _quarantine(conn, "r2", 30)  # 30 / 1030 = 2.9 %
    outcome = quarantine_outcome(conn, "r2", "jira", "raw_jira.issues", ["issues", "users"])
    assert not outcome.success and outcome.severity == WARNING
    result = quarantine_check_result(outcome)
    assert result.passed and result.severity.value == "WARN" and "FAILED (warning)" in result.description


def test_a_share_above_the_maximum_blocks_and_names_the_reasons(conn):
    _quarantine(conn, "r2", 80, "bad date")  # 80 / 1080 = 7.4 %
    outcome = quarantine_outcome(conn, "r2", "jira", "raw_jira.issues", ["issues", "users"])
    assert not outcome.success and outcome.severity == BLOCKING
    assert outcome.observed_value.startswith("0.0741 (80 quarantined of 1080 records")
    assert outcome.details["top_reasons"] == {"bad date": 80}
    result = quarantine_check_result(outcome)
    assert not result.passed and result.severity.value == "ERROR"
    assert "raw_jira.issues: quarantine share of jira <= 0.05" in result.description


def test_thresholds_come_from_the_environment(conn, monkeypatch):
    _quarantine(conn, "r2", 80)
    monkeypatch.setenv("ARCHIPELAGO_QUARANTINE_MAX_SHARE", "0.1")
    assert thresholds() == (0.01, 0.1)
    assert quarantine_outcome(conn, "r2", "jira", "raw_jira.issues").severity == WARNING
    monkeypatch.setenv("ARCHIPELAGO_QUARANTINE_WARN_SHARE", "0.5")  # capped at the maximum
    assert thresholds() == (0.1, 0.1)
    monkeypatch.setenv("ARCHIPELAGO_QUARANTINE_MAX_SHARE", "five percent")
    with pytest.raises(ValueError, match="ARCHIPELAGO_QUARANTINE_MAX_SHARE"):
        thresholds()


def test_one_check_per_source_waiting_for_all_its_raw_tables():
    [checks] = build_source_checks()
    specs = {spec.asset_key.to_user_string(): spec for spec in checks.check_specs}
    assert "raw_jira/issues" in specs and "raw_jira/comments" not in specs
    jira = specs["raw_jira/issues"]
    assert jira.blocking and {d.asset_key.to_user_string() for d in jira.additional_deps} >= {"raw_jira/comments", "raw_jira/users"}
