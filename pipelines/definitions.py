"""The Dagster code location: assembly only. `workspace.yaml` and `dagster dev` load `defs`."""

from __future__ import annotations

import dagster as dg

from pipelines.dagster_sqlite import relax_dagster_sqlite_fsync, reuse_event_log_engines
from pipelines.gc_tuning import collect_less_often, freeze_long_lived
from pipelines.settings import configure_environment

configure_environment()
relax_dagster_sqlite_fsync()  # ~1,500 events a refresh: no fsync per commit (see the module)
reuse_event_log_engines()  # nor a new SQLAlchemy engine, with its statement cache, per connection

from pipelines.assets.calendars import build_calendar_asset  # noqa: E402
from pipelines.assets.dbt import build_dbt_assets, dbt_resource, published_models_meta  # noqa: E402
from pipelines.assets.ingestion import build_ingestion_assets, source_asset_keys  # noqa: E402
from pipelines.assets.publish import build_publish_asset  # noqa: E402
from pipelines.checks.mart_suites import build_suite_checks  # noqa: E402
from pipelines.checks.privacy_floor import build_privacy_check  # noqa: E402
from pipelines.checks.source_checks import build_source_checks  # noqa: E402
from pipelines.jobs import nightly_refresh, nightly_schedule  # noqa: E402
from pipelines.resources import default_resources  # noqa: E402
from pipelines.sensors.failure_sensor import build_failure_sensor  # noqa: E402
from pipelines.sensors.file_sensor import build_export_file_sensor  # noqa: E402
from pipelines.sensors.inbox_sensor import build_inbox_sensor  # noqa: E402
from pipelines.webhooks.exports_inbox import KIND_SOURCES  # noqa: E402

PUBLISHED_MODELS = published_models_meta()
PUBLISHED = {name: meta["asset_key"] for name, meta in PUBLISHED_MODELS.items()}
ASSETS = [*build_ingestion_assets(), build_calendar_asset(), build_dbt_assets(), build_publish_asset(PUBLISHED)]
CHECKS = [*build_suite_checks(PUBLISHED), build_privacy_check(PUBLISHED_MODELS), *build_source_checks()]
RESOURCES = {**default_resources(), "dbt": dbt_resource()}
RAW_KEYS = source_asset_keys()
SENSORS = [
    # Webhook events and dropped exports start incremental runs of their source's raw assets; the
    # models, checks and publication downstream follow by declarative automation.
    build_inbox_sensor(RAW_KEYS, default_status=dg.DefaultSensorStatus.RUNNING),
    build_export_file_sensor(
        None, {kind: RAW_KEYS[source] for kind, source in KIND_SOURCES.items()},
        default_status=dg.DefaultSensorStatus.RUNNING,
    ),
    build_failure_sensor(),
    # Evaluates the automation conditions of the dbt models, their checks and the publish step.
    dg.AutomationConditionSensorDefinition(
        "automation_sensor", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.RUNNING,
    ),
]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[nightly_refresh],
    schedules=[nightly_schedule],
    sensors=SENSORS,
    resources=RESOURCES,
    # Steps share one process: the multiprocess executor costs ~2 s a step, and DuckDB wants one writer.
    executor=dg.in_process_executor,
)

# The imports above (Dagster, dagster-dbt, dbt-core) and the definitions live as long as the process:
# out of every later garbage collection, and collections less often (pipelines/gc_tuning.py).
freeze_long_lived()
collect_less_often()
