"""The three sensors load together in one code location, as pipelines/definitions.py will wire them."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, Definitions, asset

from pipelines.retries import INGESTION_RETRY_POLICY
from pipelines.sensors.failure_sensor import build_failure_sensor
from pipelines.sensors.file_sensor import build_export_file_sensor
from pipelines.sensors.inbox_sensor import build_inbox_sensor


def _asset(key):
    @asset(key=key, retry_policy=INGESTION_RETRY_POLICY)
    def _a():
        return 1

    return _a


def test_sensors_load_in_one_definitions(tmp_path):
    keys = [AssetKey(["raw_jira", "issues"]), AssetKey(["raw_directory_csv", "employees"])]
    defs = Definitions(
        assets=[_asset(k) for k in keys],
        sensors=[
            build_inbox_sensor({"jira": AssetSelection.key_prefixes("raw_jira")}, home=tmp_path),
            build_export_file_sensor(tmp_path / "inbox" / "exports", {"directory": [keys[1]]}),
            build_failure_sensor(home=tmp_path),
        ],
    )
    Definitions.validate_loadable(defs)
    names = {"webhook_inbox_sensor", "export_file_sensor", "run_failure_recorder"}
    assert {s.name for s in defs.sensors} == names
    for name in names:
        assert defs.resolve_sensor_def(name).name == name
