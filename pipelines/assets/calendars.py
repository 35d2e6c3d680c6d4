"""The working-calendar asset: the calendar file plus Zendesk's schedules, expanded for dbt."""

import dagster as dg

from connectors.zendesk import SCHEDULE_HOLIDAYS, SCHEDULES
from pipelines.assets.ingestion import asset_key
from pipelines.calendars import SCHEMA, TABLES, land_calendars, land_calendars_into
from pipelines.landing import DuckDBTarget
from pipelines.resources import SourcesResource, WarehouseResource


def build_calendar_asset() -> dg.AssetsDefinition:
    @dg.multi_asset(
        name="raw_calendar__working_calendars",
        specs=[
            dg.AssetSpec(
                dg.AssetKey([SCHEMA, table]),
                group_name=SCHEMA,
                deps=[asset_key(SCHEDULES), asset_key(SCHEDULE_HOLIDAYS)],
                description=f"Working calendars (config/calendars.yml and Zendesk schedules): {table}",
                kinds={"python", "duckdb"},
                # Zendesk's schedules are re-read with every Zendesk run: the calendars follow them.
                automation_condition=dg.AutomationCondition.eager(),
            )
            for table in TABLES
        ],
    )
    def working_calendars(context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource):
        with warehouse.connect() as conn, warehouse.raw_target(conn) as target:
            if isinstance(target, DuckDBTarget):
                report = land_calendars(conn, sources.environment())
            else:
                report = land_calendars_into(target, sources.environment())
        context.log.info(f"working calendars: {report.schedules} from the file, {report.vendor_schedules} from "
                         f"Zendesk, {report.intervals} UTC working-interval rows")
        for table in TABLES:
            yield dg.MaterializeResult(asset_key=dg.AssetKey([SCHEMA, table]), metadata={
                "schedules_from_file": report.schedules, "schedules_from_zendesk": report.vendor_schedules,
                "interval_rows": report.intervals})

    return working_calendars
