"""Run failure handling: retries with backoff for transient errors, permanent errors fail at once,
and every failed run is recorded for `archipelago status`."""

from __future__ import annotations

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    asset,
    build_run_status_sensor_context,
    materialize,
)

from connectors.errors import SourceAuthError
from pipelines.retries import INGESTION_RETRY_POLICY, fail_fast_on_permanent_errors, retry_policy
from pipelines.sensors.failure_sensor import build_failure_sensor, recent_failures, scrub
from pipelines.webhooks import exports_inbox as ex


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


def test_ingestion_policy_is_exponential_with_jitter():
    from dagster import Backoff, Jitter

    assert INGESTION_RETRY_POLICY.max_retries == 3
    assert INGESTION_RETRY_POLICY.backoff == Backoff.EXPONENTIAL
    assert INGESTION_RETRY_POLICY.jitter == Jitter.PLUS_MINUS
    assert INGESTION_RETRY_POLICY.delay == 15


def test_transient_failure_is_retried_until_it_succeeds(instance):
    attempts = []

    @asset(retry_policy=retry_policy(max_retries=3, delay=0.01))
    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("source briefly unreachable")
        return len(attempts)

    result = materialize([flaky], instance=instance)
    assert result.success
    assert len(attempts) == 3


def test_permanent_failure_is_not_retried(instance):
    attempts = []

    @asset(retry_policy=retry_policy(max_retries=3, delay=0.01))
    def refused():
        attempts.append(1)
        with fail_fast_on_permanent_errors():
            raise SourceAuthError("Jira answered 401: check JIRA_API_TOKEN")

    result = materialize([refused], instance=instance, raise_on_error=False)
    assert not result.success
    assert len(attempts) == 1


def _failure_context(instance, run_id, sensor_name):
    run = instance.get_run_by_id(run_id)
    [record] = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
    return build_run_status_sensor_context(
        sensor_name=sensor_name,
        dagster_event=record.dagster_event,
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()


def test_failure_sensor_records_a_failed_run(instance, tmp_path, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "tok-very-secret-123")

    @asset(key=["raw_jira", "issues"])
    def broken():
        raise ValueError("cannot parse page 3 (token tok-very-secret-123 leaked) " + "x" * 2000)

    result = materialize([broken], instance=instance, raise_on_error=False, tags={"archipelago/source": "jira"})
    assert not result.success
    sensor_def = build_failure_sensor(home=tmp_path)
    assert recent_failures(tmp_path, 10) == []
    sensor_def(_failure_context(instance, result.run_id, sensor_def.name))
    [failure] = recent_failures(tmp_path, 10)
    assert failure.run_id == result.run_id
    assert failure.job_name == result.dagster_run.job_name
    assert failure.step_keys == "raw_jira__issues"
    assert failure.error_class == "ValueError"
    assert failure.message.startswith("cannot parse page 3")
    assert "tok-very-secret-123" not in failure.message and "<JIRA_API_TOKEN>" in failure.message
    assert len(failure.message) <= 500
    assert failure.source == "jira"
    assert failure.failed_at


def test_failed_run_rejects_its_export_file(instance, tmp_path):
    root = ex.ensure_layout(tmp_path / "inbox" / "exports")
    path = root / "training" / "t.csv"
    path.write_text("email,module_id\n")
    claimed = ex.claim(path)

    @asset(key=["raw_training_csv", "completions"])
    def loader():
        raise RuntimeError("training CSV line 2: unknown module")

    result = materialize([loader], instance=instance, raise_on_error=False, tags=claimed.tags())
    sensor_def = build_failure_sensor(home=tmp_path)
    sensor_def(_failure_context(instance, result.run_id, sensor_def.name))
    reason = (root / "rejected" / "training" / f"{claimed.path.name}.reason.txt").read_text()
    assert "RuntimeError: training CSV line 2" in reason
    assert ex.in_processing(root, "training") == []


def test_scrub_truncates_and_masks():
    env = {"ZENDESK_API_TOKEN": "abcdef123456", "PATH": "/usr/bin"}
    assert scrub("token abcdef123456 in /usr/bin", env) == "token <ZENDESK_API_TOKEN> in /usr/bin"
    assert len(scrub("y" * 900, env)) == 500
