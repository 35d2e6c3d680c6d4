"""Jobs and schedules."""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB_NAME = "nightly_refresh"

nightly_refresh = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Every enabled source incrementally, then dbt, the quality gate and publication.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Amsterdam",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
