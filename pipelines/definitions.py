"""The Dagster code location: assembly only. `workspace.yaml` and `dagster dev` load `defs`."""

from __future__ import annotations

import dagster as dg

from pipelines.settings import configure_environment

configure_environment()

from pipelines.assets.dbt import build_dbt_assets, dbt_resource, published_tables  # noqa: E402
from pipelines.assets.ingestion import build_ingestion_assets  # noqa: E402
from pipelines.assets.publish import build_publish_asset  # noqa: E402
from pipelines.checks.mart_suites import build_suite_checks  # noqa: E402
from pipelines.jobs import nightly_refresh, nightly_schedule  # noqa: E402
from pipelines.resources import default_resources  # noqa: E402

PUBLISHED = published_tables()
ASSETS = [*build_ingestion_assets(), build_dbt_assets(), build_publish_asset(PUBLISHED)]
CHECKS = build_suite_checks(PUBLISHED)
RESOURCES = {**default_resources(), "dbt": dbt_resource()}

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[nightly_refresh],
    schedules=[nightly_schedule],
    resources=RESOURCES,
    # Steps share one process: the multiprocess executor costs ~2 s a step, and DuckDB wants one writer.
    executor=dg.in_process_executor,
)
