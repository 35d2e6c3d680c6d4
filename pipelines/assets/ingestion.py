"""Ingestion assets: one Dagster multi-asset per connector extractor, landing `raw_<source>` tables.

Built from `connectors.registry`, so adding a connector module adds its assets. A source whose
variables are not set is skipped: its raw tables exist (empty or as last landed) so downstream
models still build, and the materialisation says why nothing was fetched.
"""


import datetime as dt
from collections.abc import Mapping

import dagster as dg

from connectors.base import StreamSpec
from connectors.registry import SourceDefinition, load_sources
from pipelines.landing import LandingReport, land_extractor
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.retries import INGESTION_RETRY_POLICY, fail_fast_on_permanent_errors
from pipelines.webhooks import exports_inbox


def asset_key(spec: StreamSpec) -> dg.AssetKey:
    return dg.AssetKey([spec.schema, spec.name])


def _record_run(conn, run_id, source, extractor, started, status, report: LandingReport | None, message=None):
    conn.execute(
        "insert into meta.ingestion_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id, source, extractor, started, dt.datetime.now(dt.UTC).replace(tzinfo=None), status,
            report.batches if report else 0, report.rows if report else 0, report.rejects if report else 0,
            message,
        ],
    )


def _claimed_file(context: dg.AssetExecutionContext, source: SourceDefinition) -> exports_inbox.ClaimedFile | None:
    """The dropped export this run was started for, if it belongs to this source (file sensor)."""
    claimed = exports_inbox.claimed_from_tags(context.run.tags)
    if claimed and exports_inbox.KIND_SOURCES.get(claimed.kind) == source.name:
        return claimed
    return None


def _environment(sources: SourcesResource, source: SourceDefinition, claimed) -> Mapping[str, str]:
    env = dict(sources.environment())
    if claimed is not None:
        env[source.enabling_variable] = str(claimed.path)
    return env


def build_ingestion_asset(source: SourceDefinition, extractor_name: str, specs: tuple[StreamSpec, ...]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"raw_{source.name}__{extractor_name}",
        specs=[
            dg.AssetSpec(
                asset_key(spec),
                group_name=spec.schema,
                description=spec.description or f"{source.title}: {spec.name}",
                kinds={"python", "duckdb"},
                metadata={"primary_key": ", ".join(spec.primary_key), "source": source.name},
            )
            for spec in specs
        ],
        op_tags={"archipelago/source": source.name},
        retry_policy=INGESTION_RETRY_POLICY,
    )
    def ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource):
        run_id = context.run.run_id
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        claimed = _claimed_file(context, source)
        env = _environment(sources, source, claimed)
        with warehouse.connect() as conn, warehouse.raw_target(conn) as target, fail_fast_on_permanent_errors():
            target.ensure_tables(specs)
            if not source.is_enabled(env):
                reason = f"not configured: set {source.enabling_variable} to enable {source.title}"
                context.log.info(f"{source.title}: {reason}")
                _record_run(conn, run_id, source.name, extractor_name, started, "skipped", None, reason)
                for spec in specs:
                    yield dg.MaterializeResult(asset_key=asset_key(spec), metadata={"status": "skipped", "reason": reason})
                return
            report = None
            pseudonymiser = sources.pseudonymiser()
            target.check_key(pseudonymiser.fingerprint())  # before anything lands
            try:
                extractors = [e for e in source.build(source.settings(env), pseudonymiser) if e.name == extractor_name]
                for extractor in extractors:
                    report = land_extractor(
                        target, extractor, run_id,
                        progress=lambda r: context.log.debug(f"{r.source}/{r.extractor}: {r.rows} rows, {r.rejects} quarantined"),
                    )
            except Exception as exc:
                _record_run(conn, run_id, source.name, extractor_name, started, "failed", report, str(exc)[:1000])
                raise
            _record_run(conn, run_id, source.name, extractor_name, started, "succeeded", report)
            if report is not None and report.unknown_fields:
                context.log.warning(
                    f"{source.title}: dropped undeclared field(s) {', '.join(report.unknown_fields)}; their values "
                    "were not landed (allow-list them in the source's settings to keep them, see docs/configuration.md)"
                )
            if claimed is not None:
                exports_inbox.mark_processed(claimed.path)
            for spec in specs:
                total = target.row_count(spec)
                yield dg.MaterializeResult(
                    asset_key=asset_key(spec),
                    metadata={
                        "status": "landed",
                        "rows_landed": (report.rows_by_table.get(spec.name, 0) if report else 0),
                        "rows_quarantined": report.rejects if report else 0,
                        "table_rows": total,
                        "seconds": round(report.seconds, 3) if report else 0.0,
                    },
                )

    return ingest


def build_ingestion_assets(sources: tuple[SourceDefinition, ...] | None = None) -> list[dg.AssetsDefinition]:
    sources = load_sources() if sources is None else sources
    return [
        build_ingestion_asset(source, name, specs)
        for source in sources
        for name, specs in source.extractors.items()
    ]


def source_asset_keys(sources: tuple[SourceDefinition, ...] | None = None) -> dict[str, list[dg.AssetKey]]:
    """Source name -> the asset keys of its raw tables (what an event about that source refreshes)."""
    sources = load_sources() if sources is None else sources
    return {source.name: [asset_key(spec) for spec in source.specs()] for source in sources}
